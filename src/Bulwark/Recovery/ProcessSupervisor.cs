using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Bulwark.Health.Checks;
using Microsoft.Extensions.Logging;

namespace Bulwark.Recovery;

/// <summary>
/// Starts and keeps the supervised processes: no shell, their output in a log file each, a pid file per replica (read
/// by their <c>process</c> check). An exit is seen the moment the child ends (the runtime's SIGCHLD handling, not a
/// poll) and reported through <see cref="Changed"/>; restarts come from <see cref="RestartAsync"/>, which applies the
/// exponential backoff with jitter and the start limit (systemd's StartLimitBurst) and gives up on a crash loop.
/// A stop is the stop signal, then a kill of the whole tree after the grace period.
/// </summary>
internal sealed class ProcessSupervisor : IAsyncDisposable
{
    private const long MaxLogBytes = 10 * 1024 * 1024;

    private readonly Dictionary<string, ProcessGroup> _groups;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<double> _random;
    private int _stopped;

    public ProcessSupervisor(IEnumerable<SupervisedProcessOptions> processes, string dataDirectory, TimeProvider time, ILogger logger, Func<double>? random = null)
    {
        _time = time;
        _logger = logger;
        _random = random ?? Random.Shared.NextDouble;
        _groups = processes.ToDictionary(p => p.Name, p => new ProcessGroup(p, Path.Combine(dataDirectory, RecoveryPaths.Folder)), StringComparer.Ordinal);
    }

    /// <summary>Raised on the thread that saw it, for every start, exit and surrender. Handlers must be quick and not throw.</summary>
    public event Action<ProcessEvent>? Changed;

    public IReadOnlyCollection<string> Names => _groups.Keys;

    /// <summary>The pid file of one replica.</summary>
    public static string PidFile(string dataDirectory, string process, int replica) =>
        Path.Combine(dataDirectory, RecoveryPaths.Folder, string.Create(CultureInfo.InvariantCulture, $"{process}.{replica}.pid"));

    /// <summary>Stops copies left by a previous run (named in their pid files), then starts every replica.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var group in _groups.Values)
        {
            Directory.CreateDirectory(group.Folder);
            await StopLeftoversAsync(group, cancellationToken).ConfigureAwait(false);
            await group.Serial.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                for (var i = 0; i < group.Options.Replicas; i++)
                {
                    var replica = group.Replica(i);
                    if (!TryStart(group, replica, out var error))
                    {
                        RecoveryLog.StartFailed(_logger, group.Options.Name, i, error);
                    }
                }
            }
            finally
            {
                group.Serial.Release();
            }
        }
    }

    /// <summary>A picture of one process group now.</summary>
    public ProcessGroupStatus Status(string name)
    {
        var group = Group(name);
        lock (group.Sync)
        {
            return new ProcessGroupStatus(
                name,
                group.Desired,
                group.Replicas.Take(group.Desired).Select(r => new ReplicaStatus(r.Index, r.Running ? r.Pid : null, r.GaveUp, r.Starts.Count, r.QuickFailures)).ToArray());
        }
    }

    /// <summary>The pid files of the replicas that should run now.</summary>
    public IReadOnlyList<string> PidFiles(string name)
    {
        var group = Group(name);
        lock (group.Sync)
        {
            return Enumerable.Range(0, group.Desired).Select(group.PidFile).ToArray();
        }
    }

    /// <summary>True when a replica that should run is not running and has not been given up on.</summary>
    public bool AnyDown(string name)
    {
        var group = Group(name);
        lock (group.Sync)
        {
            return group.Replicas.Take(group.Desired).Any(r => !r.Running && !r.GaveUp);
        }
    }

    /// <summary>The command line of one replica as it would be started, for dry runs.</summary>
    public string Describe(string name)
    {
        var group = Group(name);
        var args = group.Options.Args.Select(a => a.Replace("{replica}", "0", StringComparison.Ordinal));
        return string.Join(' ', new[] { group.Options.Command }.Concat(args).Select(CommandLine.Quote));
    }

    /// <summary>
    /// Restarts the replicas that are down (after the backoff each has earned), or, when all run, every replica in turn
    /// (stop, start). A <paramref name="manual"/> restart resets the start limit first, as <c>systemctl reset-failed</c>
    /// does. Throws <see cref="RecoveryActionException"/> when a start is refused by the start limit or fails.
    /// </summary>
    public async Task<string> RestartAsync(string name, bool manual, CancellationToken cancellationToken)
    {
        var group = Group(name);
        await group.Serial.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            List<Replica> down;
            lock (group.Sync)
            {
                if (manual)
                {
                    foreach (var r in group.Replicas)
                    {
                        r.Starts.Clear();
                        r.GaveUp = false;
                        r.QuickFailures = 0;
                    }
                }

                down = group.Replicas.Take(group.Desired).Where(r => !r.Running && !r.GaveUp).ToList();
            }

            var results = new List<string>();
            if (down.Count > 0)
            {
                foreach (var replica in down)
                {
                    await WaitBackoffAsync(group, replica, cancellationToken).ConfigureAwait(false);
                    results.Add(StartOrThrow(group, replica));
                }

                return string.Join("; ", results);
            }

            List<Replica> all;
            lock (group.Sync)
            {
                all = group.Replicas.Take(group.Desired).Where(r => !r.GaveUp).ToList();
            }

            if (all.Count == 0)
            {
                throw new RecoveryActionException($"every replica of {name} hit its start limit; a person must restart it (bulwark recover run)");
            }

            foreach (var replica in all)
            {
                await StopReplicaAsync(group, replica, "restart", cancellationToken).ConfigureAwait(false);
                results.Add(StartOrThrow(group, replica));
            }

            return string.Join("; ", results);
        }
        finally
        {
            group.Serial.Release();
        }
    }

    /// <summary>Sets the number of replicas: starts the missing ones, stops the highest ones (gracefully).</summary>
    public async Task<string> ScaleAsync(string name, int replicas, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(replicas);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(replicas, RecoveryLimits.MaxReplicas);
        var group = Group(name);
        await group.Serial.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            int before;
            lock (group.Sync)
            {
                before = group.Desired;
                group.Desired = replicas;
            }

            var results = new List<string>();
            for (var i = before; i < replicas; i++)
            {
                var replica = group.Replica(i);
                lock (group.Sync)
                {
                    replica.Starts.Clear();
                    replica.GaveUp = false;
                    replica.QuickFailures = 0;
                }

                results.Add(StartOrThrow(group, replica));
            }

            for (var i = before - 1; i >= replicas; i--)
            {
                var replica = group.Replica(i);
                var pid = replica.Pid;
                await StopReplicaAsync(group, replica, "scale down", cancellationToken).ConfigureAwait(false);
                results.Add(string.Create(CultureInfo.InvariantCulture, $"replica {i} (pid {pid}) stopped"));
            }

            return string.Create(CultureInfo.InvariantCulture, $"{name}: {before} -> {replicas} replica(s)") +
                (results.Count > 0 ? ": " + string.Join("; ", results) : "");
        }
        finally
        {
            group.Serial.Release();
        }
    }

    /// <summary>Sends a signal to every running replica; throws when none runs or the signal cannot be sent.</summary>
    public string Signal(string name, int signal)
    {
        var group = Group(name);
        List<int> pids;
        lock (group.Sync)
        {
            pids = group.Replicas.Take(group.Desired).Where(r => r.Running).Select(r => r.Pid).ToList();
        }

        if (pids.Count == 0)
        {
            throw new RecoveryActionException($"no replica of {name} is running");
        }

        foreach (var pid in pids)
        {
            if (!Posix.TrySignal(pid, signal, out var errno))
            {
                throw new RecoveryActionException(string.Create(CultureInfo.InvariantCulture, $"kill({pid}, {Signals.Name(signal)}) failed: {Posix.Describe(errno)}"));
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"{Signals.Name(signal)} sent to {name} (pid {string.Join(", ", pids)})");
    }

    /// <summary>Stops every replica gracefully (signal, grace, kill of the tree). Nothing is restarted afterwards.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        await Task.WhenAll(_groups.Values.Select(async group =>
        {
            await group.Serial.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await Task.WhenAll(group.Replicas.Where(r => r.Running).Select(r => StopReplicaAsync(group, r, "Bulwark stopping", cancellationToken)))
                    .ConfigureAwait(false);
            }
            finally
            {
                group.Serial.Release();
            }
        })).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await StopAsync(bounded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            foreach (var replica in _groups.Values.SelectMany(g => g.Replicas).Where(r => r.Running))
            {
                if (replica.Process is { } process)
                {
                    CommandRunner.KillTree(process);
                }
            }
        }

        foreach (var group in _groups.Values)
        {
            group.Serial.Dispose();
        }
    }

    /// <summary>Waits out the delay this replica has earned, counted from its exit (so recording the exit costs nothing).</summary>
    private async Task WaitBackoffAsync(ProcessGroup group, Replica replica, CancellationToken cancellationToken)
    {
        TimeSpan delay;
        long exitedAt;
        lock (group.Sync)
        {
            delay = Backoff.Delay(group.Options, replica.QuickFailures, _random());
            exitedAt = replica.ExitedAt;
        }

        var remaining = delay - (exitedAt == 0 ? TimeSpan.Zero : _time.GetElapsedTime(exitedAt));
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private string StartOrThrow(ProcessGroup group, Replica replica)
    {
        var previous = replica.Pid;
        if (!TryStart(group, replica, out var error))
        {
            throw new RecoveryActionException(error);
        }

        return previous > 0
            ? string.Create(CultureInfo.InvariantCulture, $"replica {replica.Index}: pid {previous} -> {replica.Pid}")
            : string.Create(CultureInfo.InvariantCulture, $"replica {replica.Index}: pid {replica.Pid}");
    }

    private bool TryStart(ProcessGroup group, Replica replica, out string error)
    {
        error = "";
        var options = group.Options;
        var now = _time.GetTimestamp();
        lock (group.Sync)
        {
            if (Volatile.Read(ref _stopped) != 0)
            {
                error = "Bulwark is stopping";
                return false;
            }

            var window = TimeSpan.FromSeconds(options.StartLimitIntervalSeconds);
            while (replica.Starts.Count > 0 && _time.GetElapsedTime(replica.Starts.Peek(), now) > window)
            {
                replica.Starts.Dequeue();
            }

            if (replica.Starts.Count >= options.StartLimitBurst)
            {
                replica.GaveUp = true;
                error = string.Create(CultureInfo.InvariantCulture,
                    $"{options.Name} replica {replica.Index}: start limit hit ({replica.Starts.Count} starts within {options.StartLimitIntervalSeconds} s, startLimitBurst {options.StartLimitBurst}); crash loop, giving up");
            }
        }

        if (error.Length > 0)
        {
            Raise(new ProcessEvent(ProcessEventKind.GaveUp, options.Name, replica.Index, replica.Pid, _time.GetUtcNow(), error) { Timestamp = now });
            return false;
        }

        var info = new ProcessStartInfo(options.Command)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var index = replica.Index.ToString(CultureInfo.InvariantCulture);
        foreach (var arg in options.Args)
        {
            info.ArgumentList.Add(arg.Replace("{replica}", index, StringComparison.Ordinal));
        }

        foreach (var (name, value) in options.Environment)
        {
            info.Environment[name] = value.Replace("{replica}", index, StringComparison.Ordinal);
        }

        info.Environment["BULWARK_REPLICA"] = index;
        if (options.WorkingDirectory is not null)
        {
            info.WorkingDirectory = options.WorkingDirectory;
        }

        var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException)
        {
            process.Dispose();
            lock (group.Sync)
            {
                replica.Starts.Enqueue(now);
                replica.QuickFailures++;
                replica.ExitedAt = _time.GetTimestamp();
            }

            error = $"cannot start '{options.Command}' for {options.Name} replica {replica.Index}: {ex.Message}";
            return false;
        }

        var startedAt = _time.GetTimestamp();
        var pid = process.Id;
        process.StandardInput.Close();
        var log = OpenLog(group.LogFile(replica.Index));
        int previous;
        lock (group.Sync)
        {
            previous = replica.Pid;
            replica.Process = process;
            replica.Pid = pid;
            replica.Running = true;
            replica.Stopping = false;
            replica.StartedAt = startedAt;
            replica.ExitObserved = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            replica.Starts.Enqueue(now);
        }

        WritePidFile(group.PidFile(replica.Index), pid);

        // Reported before the watcher runs, so a child that dies at once is seen starting before it is seen exiting.
        Raise(new ProcessEvent(ProcessEventKind.Started, options.Name, replica.Index, pid, _time.GetUtcNow(),
            previous > 0
                ? string.Create(CultureInfo.InvariantCulture, $"{options.Name} replica {replica.Index} started: pid {previous} -> {pid}")
                : string.Create(CultureInfo.InvariantCulture, $"{options.Name} replica {replica.Index} started: pid {pid}"))
        {
            PreviousPid = previous > 0 ? previous : null,
            Timestamp = startedAt,
        });
        var pumps = Task.WhenAll(PumpAsync(process.StandardOutput, log), PumpAsync(process.StandardError, log));
        _ = WatchAsync(group, replica, process, pid, replica.ExitObserved, pumps, log);
        return true;
    }

    /// <summary>Waits for the child's exit (no polling) and reports it as a stop or a failure.</summary>
    private async Task WatchAsync(ProcessGroup group, Replica replica, Process process, int pid, TaskCompletionSource observed, Task pumps, Stream log)
    {
        try
        {
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception)
        {
            RecoveryLog.WatchFailed(_logger, group.Options.Name, replica.Index, ex);
        }

        var exitedAt = _time.GetTimestamp();
        var exitCode = process.HasExited ? process.ExitCode : -1;
        bool expected;
        TimeSpan ranFor;
        lock (group.Sync)
        {
            if (!ReferenceEquals(replica.Process, process))
            {
                observed.TrySetResult();
                return;
            }

            expected = replica.Stopping;
            ranFor = _time.GetElapsedTime(replica.StartedAt, exitedAt);
            replica.Running = false;
            replica.ExitedAt = exitedAt;
            if (!expected)
            {
                replica.QuickFailures = ranFor >= TimeSpan.FromSeconds(group.Options.StableAfterSeconds) ? 0 : replica.QuickFailures + 1;
            }
        }

        observed.TrySetResult();

        var description = string.Create(CultureInfo.InvariantCulture,
            $"{group.Options.Name} replica {replica.Index} (pid {pid}) {(expected ? "stopped" : "exited")}: {ExitDescription.Of(exitCode)} after {ranFor.TotalSeconds:0.###} s");
        Raise(new ProcessEvent(expected ? ProcessEventKind.Stopped : ProcessEventKind.Failed, group.Options.Name, replica.Index, pid, _time.GetUtcNow(), description)
        {
            ExitCode = exitCode,
            RanFor = ranFor,
            Timestamp = exitedAt,
        });

        // Descendants may keep the pipes open; the log closes when they do, bounded so a stray child cannot hold it.
        await Task.WhenAny(pumps, Task.Delay(TimeSpan.FromSeconds(5), _time)).ConfigureAwait(false);
        await log.DisposeAsync().ConfigureAwait(false);
        process.Dispose();
    }

    private async Task StopReplicaAsync(ProcessGroup group, Replica replica, string why, CancellationToken cancellationToken)
    {
        Process? process;
        Task observed;
        int pid;
        lock (group.Sync)
        {
            process = replica.Running ? replica.Process : null;
            pid = replica.Pid;
            observed = replica.ExitObserved.Task;
            replica.Stopping = true;
        }

        if (process is null)
        {
            return;
        }

        Signals.TryParse(group.Options.StopSignal, out var signal);
        var exit = observed.WaitAsync(cancellationToken);
        if (!Posix.TrySignal(pid, signal, out _))
        {
            CommandRunner.KillTree(process);
        }
        else if (await Task.WhenAny(exit, Task.Delay(TimeSpan.FromSeconds(group.Options.StopGraceSeconds), _time, cancellationToken)).ConfigureAwait(false) != exit)
        {
            RecoveryLog.StopKilled(_logger, group.Options.Name, replica.Index, pid, group.Options.StopGraceSeconds, why);
            CommandRunner.KillTree(process);
        }

        // The watcher marks the replica stopped; waiting for it means a start that follows sees the replica down.
        await exit.ConfigureAwait(false);
        TryDelete(group.PidFile(replica.Index));
    }

    private async Task StopLeftoversAsync(ProcessGroup group, CancellationToken cancellationToken)
    {
        foreach (var file in Directory.EnumerateFiles(group.Folder, group.Options.Name + ".*.pid").Where(f => IsPidFileOf(group.Options.Name, f)))
        {
            if (!int.TryParse(File.ReadAllText(file).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ||
                ProcessTable.Inspect(pid) is not { Exited: false } || !CommandLine.IsRunning(pid, group.Options.Command))
            {
                TryDelete(file);
                continue;
            }

            try
            {
                using var leftover = Process.GetProcessById(pid);
                Signals.TryParse(group.Options.StopSignal, out var signal);
                Posix.TrySignal(pid, signal, out _);
                using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                grace.CancelAfter(TimeSpan.FromSeconds(Math.Min(group.Options.StopGraceSeconds, 10)));
                try
                {
                    await leftover.WaitForExitAsync(grace.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    CommandRunner.KillTree(leftover);
                }
            }
            catch (ArgumentException)
            {
                // Gone already.
            }

            TryDelete(file);
            Raise(new ProcessEvent(ProcessEventKind.LeftoverStopped, group.Options.Name, -1, pid, _time.GetUtcNow(),
                string.Create(CultureInfo.InvariantCulture, $"{group.Options.Name}: stopped pid {pid}, left running by a previous Bulwark (pid file {Path.GetFileName(file)})")));
        }
    }

    /// <summary>NAME.N.pid exactly: a process named <c>web</c> must not take <c>web.api.0.pid</c> for its own.</summary>
    internal static bool IsPidFileOf(string process, string path)
    {
        var file = Path.GetFileName(path);
        if (!file.StartsWith(process + ".", StringComparison.Ordinal) || !file.EndsWith(".pid", StringComparison.Ordinal))
        {
            return false;
        }

        var index = file[(process.Length + 1)..^4];
        return index.Length > 0 && index.All(char.IsAsciiDigit);
    }

    private void Raise(ProcessEvent change)
    {
        RecoveryLog.Process(_logger, change.Kind, change.Description);
        if (Changed is not { } handlers)
        {
            return;
        }

        foreach (var handler in handlers.GetInvocationList().Cast<Action<ProcessEvent>>())
        {
            try
            {
                handler(change);
            }
            catch (Exception ex)
            {
                RecoveryLog.HandlerFailed(_logger, ex);
            }
        }
    }

    private static FileStream OpenLog(string path)
    {
        if (File.Exists(path) && new FileInfo(path).Length > MaxLogBytes)
        {
            File.Move(path, path + ".1", overwrite: true);
        }

        return new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
    }

    private static async Task PumpAsync(StreamReader reader, Stream log)
    {
        var buffer = new char[4096];
        try
        {
            int read;
            while ((read = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                var bytes = System.Text.Encoding.UTF8.GetBytes(buffer, 0, read);
                lock (log)
                {
                    log.Write(bytes);
                    log.Flush();
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The log went away (disk full, stopping): the child keeps running, its output is lost.
        }
    }

    private static void WritePidFile(string path, int pid)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, pid.ToString(CultureInfo.InvariantCulture));
        File.Move(temporary, path, overwrite: true);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private ProcessGroup Group(string name) =>
        _groups.TryGetValue(name, out var group) ? group : throw new RecoveryActionException($"no supervised process named '{name}'");

    private sealed class ProcessGroup(SupervisedProcessOptions options, string folder)
    {
        public SupervisedProcessOptions Options { get; } = options;

        public string Folder { get; } = folder;

        public Lock Sync { get; } = new();

        /// <summary>One operation at a time on a group (start, restart, scale, stop), so they never interleave.</summary>
        public SemaphoreSlim Serial { get; } = new(1, 1);

        public List<Replica> Replicas { get; } = [];

        public int Desired { get; set; } = options.Replicas;

        public Replica Replica(int index)
        {
            lock (Sync)
            {
                while (Replicas.Count <= index)
                {
                    Replicas.Add(new Replica(Replicas.Count));
                }

                return Replicas[index];
            }
        }

        public string PidFile(int index) => Path.Combine(Folder, string.Create(CultureInfo.InvariantCulture, $"{Options.Name}.{index}.pid"));

        public string LogFile(int index) => Path.Combine(Folder, string.Create(CultureInfo.InvariantCulture, $"{Options.Name}.{index}.log"));
    }

    /// <summary>One replica's state; every field is read and written under its group's lock.</summary>
    private sealed class Replica(int index)
    {
        public int Index { get; } = index;

        public Process? Process;
        public int Pid;
        public bool Running;
        public bool Stopping;
        public bool GaveUp;
        public long StartedAt;
        public long ExitedAt;
        public int QuickFailures;
        public TaskCompletionSource ExitObserved = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly Queue<long> Starts = new();
    }
}

/// <summary>A process group now: how many replicas should run and each one's state.</summary>
internal sealed record ProcessGroupStatus(string Name, int Desired, IReadOnlyList<ReplicaStatus> Replicas);

/// <summary>One replica: its pid when running, whether the supervisor gave up on it, starts in the window, quick failures in a row.</summary>
internal sealed record ReplicaStatus(int Index, int? Pid, bool GaveUp, int RecentStarts, int QuickFailures);
