using System.Globalization;
using System.Text.Json;
using Bulwark.Availability;
using Bulwark.Failover;
using Bulwark.Recovery;
using Bulwark.Storage;

namespace Bulwark.Redundancy;

/// <summary>How a drill stops replicas.</summary>
internal enum DrillSignal
{
    /// <summary>SIGKILL (kill -9): the process is gone; its supervisor must restart it.</summary>
    Kill,

    /// <summary>SIGTERM: it stops cleanly; its supervisor must restart it (restart: always).</summary>
    Term,

    /// <summary>SIGSTOP: frozen; the drill sends SIGCONT to restore it.</summary>
    Stop,
}

/// <summary>A drill to run: a failover group's leader, or every replica of a zone.</summary>
internal sealed record DrillRequest(string Kind, string Target, DrillSignal Signal, string By, bool Force, TimeSpan Timeout);

/// <summary>
/// Failover and zone drills. A failover drill stops the current leader of a group; a zone drill every replica in a zone.
/// Both refuse below N+1 and while trading is live (unless forced), record the fault before injecting it (so an
/// incident's MTTD is real), measure detection and recovery, verify a new leader under a larger fencing token and the
/// level back, are bounded in time, and always restore what they stopped (SIGCONT; a killed replica is its supervisor's
/// to restart, and a drill that cannot count on one refuses to kill). The report goes to the event log.
/// </summary>
internal sealed class RedundancyDrill
{
    private static readonly TimeSpan LeasePoll = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan HealthPoll = TimeSpan.FromMilliseconds(200);
    private readonly BulwarkOptions _options;
    private readonly IReadOnlyList<ServiceTopology> _services;
    private readonly Func<CancellationToken, Task<RedundancyReport>> _evaluate;
    private readonly ILeaseCoordinator? _leases;
    private readonly IEventStore _store;
    private readonly TimeProvider _time;
    private readonly Action<string> _progress;

    public RedundancyDrill(
        BulwarkOptions options, Func<CancellationToken, Task<RedundancyReport>> evaluate, ILeaseCoordinator? leases, IEventStore store, TimeProvider time, Action<string>? progress = null)
    {
        _options = options;
        _services = RedundancyTopology.Resolve(options);
        _evaluate = evaluate;
        _leases = leases;
        _store = store;
        _time = time;
        _progress = progress ?? (_ => { });
    }

    /// <summary>The services a drill of <paramref name="request"/> touches; empty when the target names nothing (a usage error).</summary>
    public IReadOnlyList<ServiceTopology> Affected(DrillRequest request) => request.Kind == "failover"
        ? _services.Where(s => s.FailoverGroup == request.Target).ToList()
        : _services.Where(s => s.Replicas.Any(r => r.Zone == request.Target)).ToList();

    public async Task<DrillReport> RunAsync(DrillRequest request, CancellationToken cancellationToken)
    {
        var affected = Affected(request);
        if (affected.Count == 0)
        {
            throw new ArgumentException(request.Kind == "failover"
                ? $"no service of the redundancy section has failoverGroup '{request.Target}'"
                : $"no replica of the redundancy section is in zone '{request.Target}'");
        }

        var report = new DrillReport
        {
            Kind = request.Kind, Target = request.Target, Signal = SignalName(request.Signal), By = request.By, Forced = request.Force,
            StartedAt = _time.GetUtcNow(), Verdict = "refused", MaxRecoveryTimeSeconds = _options.MaxRecoveryTimeSeconds,
        };
        var steady = await _evaluate(cancellationToken).ConfigureAwait(false);
        report = report with { SteadyState = affected.ToDictionary(s => s.Name, s => RedundancyMonitor.Level(Service(steady, s.Name).Level), StringComparer.Ordinal) };
        var leader = request.Kind == "failover" ? await ReadLeaseAsync(request.Target, cancellationToken).ConfigureAwait(false) : null;
        report = report with { LeaderBefore = leader?.Holder, TokenBefore = leader?.Token.Value };

        var (victims, refusals) = Plan(request, affected, steady, leader);
        if (refusals.Count > 0)
        {
            return await RecordAsync(report with { Reasons = refusals }, cancellationToken).ConfigureAwait(false);
        }

        report = report with { Stopped = victims.Select(v => $"{v.Replica.Name} (pid {v.Pid.ToString(CultureInfo.InvariantCulture)})").ToList() };
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(request.Timeout);
        var reasons = new List<string>();
        var restored = new List<string>();
        try
        {
            // The fault is on record before it happens, so the incident it causes gets its time to detect.
            var faultAt = _time.GetUtcNow();
            foreach (var subject in victims.Select(v => FaultSubject(v.Replica)).Distinct(StringComparer.Ordinal))
            {
                await _store.AppendAsync(new SafetyEvent
                {
                    Time = faultAt, Kind = AvailabilityEventKinds.FaultInjected, Subject = subject, Actor = request.By,
                    Cause = $"{request.Kind} drill of {request.Target}: {SignalName(request.Signal)}",
                }, cancellationToken).ConfigureAwait(false);
            }

            foreach (var victim in victims)
            {
                if (!Posix.TrySignal(victim.Pid, Number(request.Signal), out var errno))
                {
                    reasons.Add($"{SignalName(request.Signal)} to {victim.Replica.Name} (pid {victim.Pid}) failed: {Posix.Describe(errno)}");
                }
            }

            report = report with { FaultInjectedAt = faultAt };
            _progress($"{SignalName(request.Signal)} sent to {string.Join(", ", report.Stopped)} at {faultAt:HH:mm:ss.fff}");
            report = request.Kind == "failover"
                ? await WatchFailoverAsync(report, leader!, bounded.Token).ConfigureAwait(false)
                : await WatchZoneAsync(report, request, affected, victims, bounded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (bounded.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"not recovered within the drill's {request.Timeout.TotalSeconds:0.#} s"));
        }
        finally
        {
            if (request.Signal == DrillSignal.Stop)
            {
                foreach (var victim in victims)
                {
                    restored.Add(Posix.TrySignal(victim.Pid, 18, out var errno)
                        ? $"SIGCONT to {victim.Replica.Name} (pid {victim.Pid})"
                        : $"SIGCONT to {victim.Replica.Name} (pid {victim.Pid}) failed: {Posix.Describe(errno)}");
                }
            }
            else
            {
                restored.AddRange(victims.Select(v => $"{v.Replica.Name}: restarted by its supervisor (recovery.processes)"));
            }
        }

        // After a stop, the level returns once the replicas are continued; after a kill, once the supervisor restarted them.
        report = report with { Restored = restored };
        if (report.LevelReturnedAt is null)
        {
            using var back = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            back.CancelAfter(request.Timeout);
            try
            {
                report = report with { LevelReturnedAt = await WaitLevelAsync(affected, steady, back.Token).ConfigureAwait(false) };
            }
            catch (OperationCanceledException) when (back.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                reasons.Add(string.Create(CultureInfo.InvariantCulture, $"the level did not return within {request.Timeout.TotalSeconds:0.#} s of the restore"));
            }
        }

        reasons.AddRange(Judge(report));
        return await RecordAsync(report with { Verdict = reasons.Count == 0 ? "passed" : "failed", Reasons = reasons }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The replicas to stop and why the drill must not run (below N+1, trading live, nothing to restart a kill).</summary>
    private (List<(ReplicaTopology Replica, int Pid)> Victims, List<string> Refusals) Plan(
        DrillRequest request, IReadOnlyList<ServiceTopology> affected, RedundancyReport steady, LeaseRecord? leader)
    {
        var refusals = new List<string>();
        foreach (var service in affected)
        {
            var level = Service(steady, service.Name).Level;
            if (level < 1)
            {
                refusals.Add($"{service.Name} is at {RedundancyMonitor.Level(level)}, below N+1: the drill would take it below N");
            }
        }

        var candidates = request.Kind == "failover"
            ? affected.SelectMany(s => s.Replicas).Where(r => leader is not null && r.Name == leader.Holder).Take(1).ToList()
            : affected.SelectMany(s => s.Replicas).Where(r => r.Zone == request.Target).ToList();
        if (request.Kind == "failover" && leader is null)
        {
            refusals.Add($"nobody leads {request.Target}: there is no leader to stop");
        }
        else if (request.Kind == "failover" && candidates.Count == 0)
        {
            refusals.Add($"the leader of {request.Target}, {leader!.Holder}, is not a replica of {string.Join(", ", affected.Select(s => s.Name))}");
        }

        if (request.Kind == "zone" && affected.SelectMany(s => s.Replicas).All(r => r.Zone == request.Target))
        {
            refusals.Add($"every replica of {string.Join(", ", affected.Select(s => s.Name))} is in zone {request.Target}: the topology claims no zone redundancy to drill");
        }

        var live = affected.Where(s => s.Trading || _options.Failover?.Groups.Any(g => g.Name == s.FailoverGroup && g.Trading) == true)
            .Where(s => s.FailoverGroup is null || leader is not null || request.Kind == "zone").ToList();
        if (live.Count > 0 && !request.Force)
        {
            refusals.Add($"trading is live on {string.Join(", ", live.Select(s => s.Name))}: pass --force to drill anyway");
        }

        var victims = new List<(ReplicaTopology, int)>();
        foreach (var replica in candidates)
        {
            if (replica.PidFile is null || ReadPid(replica.PidFile) is not { } pid || ReplicaProbe.ProcessState(pid) is null)
            {
                refusals.Add($"{replica.Name} has no running process to stop (pidFile {replica.PidFile ?? "none"})");
            }
            else if (request.Signal != DrillSignal.Stop && !replica.Supervised)
            {
                refusals.Add($"{replica.Name} is not a supervised process (redundancy service process:), so nothing would restart it after {SignalName(request.Signal)}: use --signal stop");
            }
            else
            {
                victims.Add((replica, pid));
            }
        }

        return (victims, refusals);
    }

    private async Task<DrillReport> WatchFailoverAsync(DrillReport report, LeaseRecord before, CancellationToken cancellationToken)
    {
        DateTimeOffset? detected = null;
        while (true)
        {
            var now = _time.GetUtcNow();
            var lease = await ReadLeaseAsync(before.Group, cancellationToken).ConfigureAwait(false);
            if (detected is null && (lease is null || lease.Token != before.Token || lease.Holder != before.Holder))
            {
                detected = now;
                _progress($"lease of {before.Holder} gone at {now:HH:mm:ss.fff}");
            }

            if (lease is not null && lease.Token > before.Token)
            {
                _progress($"{lease.Holder} leads {before.Group} with token {lease.Token.Value} at {now:HH:mm:ss.fff}");
                return report with { DetectedAt = detected ?? now, RecoveredAt = now, LeaderAfter = lease.Holder, TokenAfter = lease.Token.Value };
            }

            await Task.Delay(LeasePoll, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<DrillReport> WatchZoneAsync(
        DrillReport report, DrillRequest request, IReadOnlyList<ServiceTopology> affected, List<(ReplicaTopology Replica, int Pid)> victims, CancellationToken cancellationToken)
    {
        var names = victims.Select(v => (v.Replica.Service, v.Replica.Name)).ToHashSet();
        DateTimeOffset? detected = null;
        var leadersBefore = new Dictionary<string, FencingToken>(StringComparer.Ordinal);
        foreach (var group in affected.Select(s => s.FailoverGroup).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            if (await ReadLeaseAsync(group, cancellationToken).ConfigureAwait(false) is { } lease)
            {
                leadersBefore[group] = lease.Token;
            }
        }

        while (true)
        {
            var now = _time.GetUtcNow();
            var current = await _evaluate(cancellationToken).ConfigureAwait(false);
            var down = current.Services.SelectMany(s => s.Replicas.Where(r => !r.Healthy && names.Contains((s.Name, r.Name)))).Count();
            if (detected is null && down == names.Count)
            {
                detected = now;
                _progress($"all {down} replicas of zone {request.Target} seen down at {now:HH:mm:ss.fff}");
            }

            if (detected is not null && affected.All(s => Service(current, s.Name).Level >= 0))
            {
                // Serving at N or more; each group led (a leader in the zone must have been replaced).
                var led = true;
                foreach (var group in leadersBefore.Keys)
                {
                    led &= await ReadLeaseAsync(group, cancellationToken).ConfigureAwait(false) is { } lease &&
                        affected.Any(s => s.FailoverGroup == group && s.Replicas.Any(r => r.Name == lease.Holder && r.Zone != request.Target));
                }

                if (led)
                {
                    return report with { DetectedAt = detected, RecoveredAt = now };
                }
            }

            await Task.Delay(HealthPoll, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<DateTimeOffset> WaitLevelAsync(IReadOnlyList<ServiceTopology> affected, RedundancyReport steady, CancellationToken cancellationToken)
    {
        while (true)
        {
            var current = await _evaluate(cancellationToken).ConfigureAwait(false);
            if (affected.All(s => Service(current, s.Name).Level >= Service(steady, s.Name).Level))
            {
                _progress($"level back at {current.At:HH:mm:ss.fff}: {string.Join(", ", affected.Select(s => $"{s.Name} {RedundancyMonitor.Level(Service(current, s.Name).Level)}"))}");
                return _time.GetUtcNow();
            }

            await Task.Delay(HealthPoll, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private IEnumerable<string> Judge(DrillReport report)
    {
        if (report.Kind == "failover" && report.TokenAfter is { } after && report.TokenBefore is { } before && after <= before)
        {
            yield return $"trading did not resume under a new fencing token ({before} -> {after})";
        }

        if (report.RecoverySeconds is { } seconds && seconds > _options.MaxRecoveryTimeSeconds)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"recovery took {seconds:0.000} s, over maxRecoveryTimeSeconds ({_options.MaxRecoveryTimeSeconds:0.#} s)");
        }
    }

    private async Task<DrillReport> RecordAsync(DrillReport report, CancellationToken cancellationToken)
    {
        await _store.AppendAsync(new SafetyEvent
        {
            Time = _time.GetUtcNow(),
            Kind = RedundancyEventKinds.Drill,
            Subject = $"drill:{report.Kind}:{report.Target}",
            Actor = report.By,
            To = report.Verdict,
            Cause = Summary(report),
            Evidence = JsonSerializer.Serialize(report, BulwarkJson.Options),
        }, cancellationToken).ConfigureAwait(false);
        return report;
    }

    /// <summary>One line: the verdict and the measured times, or the reasons.</summary>
    internal static string Summary(DrillReport report) => report.Verdict == "refused"
        ? $"refused: {string.Join("; ", report.Reasons)}"
        : string.Create(CultureInfo.InvariantCulture,
            $"{report.Verdict}: detected in {Seconds(report.DetectionSeconds)}, recovered in {Seconds(report.RecoverySeconds)} (SLA {report.MaxRecoveryTimeSeconds:0.#} s), level back in {Seconds(report.LevelReturnSeconds)}") +
          (report.TokenAfter is { } token ? $"; {report.LeaderBefore} #{report.TokenBefore} -> {report.LeaderAfter} #{token}" : "") +
          (report.Reasons.Count > 0 ? "; " + string.Join("; ", report.Reasons) : "");

    private static string Seconds(double? seconds) => seconds is { } s ? s.ToString("0.000", CultureInfo.InvariantCulture) + " s" : "-";

    private async Task<LeaseRecord?> ReadLeaseAsync(string group, CancellationToken cancellationToken)
    {
        if (_leases is null)
        {
            return null;
        }

        var record = await _leases.ReadAsync(group, cancellationToken).ConfigureAwait(false);
        return record is { Holder.Length: > 0 } && record.ExpiresAt > _time.GetUtcNow() ? record : null;
    }

    /// <summary>The subject whose next incident is this fault's: the replica's component, its supervised process, else its service.</summary>
    private string FaultSubject(ReplicaTopology replica) =>
        replica.Component ?? (replica.Supervised ? _options.Redundancy!.Services.First(s => s.Name == replica.Service).Process! : RedundancyEventKinds.Subject(replica.Service));

    private static ServiceRedundancy Service(RedundancyReport report, string name) => report.Services.First(s => s.Name == name);

    private static int? ReadPid(string pidFile)
    {
        try
        {
            return int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0 ? pid : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    internal static string SignalName(DrillSignal signal) => signal switch { DrillSignal.Kill => "SIGKILL", DrillSignal.Term => "SIGTERM", _ => "SIGSTOP" };

    private static int Number(DrillSignal signal) => signal switch { DrillSignal.Kill => Signals.Kill, DrillSignal.Term => Signals.Term, _ => 19 };
}
