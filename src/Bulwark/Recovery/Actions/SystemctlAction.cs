namespace Bulwark.Recovery.Actions;

/// <summary>
/// <c>systemctl restart UNIT</c>, run without a shell. The executable is <c>systemctl</c> on PATH; a test names a stand-in
/// to check the command issued on a machine without systemd.
/// </summary>
internal sealed class SystemctlAction(string unit, string systemctl = "systemctl") : IRecoveryAction
{
    private readonly CommandAction _command = new(systemctl, ["restart", unit]);

    public string Describe() => _command.Describe();

    public Task<string> RunAsync(ActionContext context, CancellationToken cancellationToken) => _command.RunAsync(context, cancellationToken);
}
