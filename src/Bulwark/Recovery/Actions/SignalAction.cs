using System.Globalization;

namespace Bulwark.Recovery.Actions;

/// <summary>Sends a signal (SIGHUP to reload a configuration, for example) to a supervised process or to the pid in a file.</summary>
internal sealed class SignalAction : IRecoveryAction
{
    private readonly int _signal;
    private readonly ProcessSupervisor? _supervisor;
    private readonly string? _process;
    private readonly string? _pidFile;

    private SignalAction(int signal, ProcessSupervisor? supervisor, string? process, string? pidFile)
    {
        _signal = signal;
        _supervisor = supervisor;
        _process = process;
        _pidFile = pidFile;
    }

    public static SignalAction ToProcess(int signal, ProcessSupervisor supervisor, string process) => new(signal, supervisor, process, null);

    public static SignalAction ToPidFile(int signal, string pidFile) => new(signal, null, null, pidFile);

    public string Describe() => _process is not null
        ? $"kill -{Signals.Name(_signal)} <pids of {_process}>"
        : $"kill -{Signals.Name(_signal)} $(cat {Path.GetFullPath(_pidFile!)})";

    public async Task<string> RunAsync(ActionContext context, CancellationToken cancellationToken)
    {
        if (_process is not null)
        {
            return _supervisor!.Signal(_process, _signal);
        }

        string text;
        try
        {
            text = await File.ReadAllTextAsync(_pidFile!, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new RecoveryActionException($"cannot read pid file {_pidFile}: {ex.Message}");
        }

        if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
        {
            throw new RecoveryActionException($"pid file {_pidFile} does not hold a process id");
        }

        if (!Posix.TrySignal(pid, _signal, out var errno))
        {
            throw new RecoveryActionException(string.Create(CultureInfo.InvariantCulture, $"kill({pid}, {Signals.Name(_signal)}) failed: {Posix.Describe(errno)}"));
        }

        return string.Create(CultureInfo.InvariantCulture, $"{Signals.Name(_signal)} sent to pid {pid} (from {_pidFile})");
    }
}
