namespace Bulwark.Recovery;

/// <summary>When the supervisor restarts a process that exited without being asked to (systemd's <c>Restart=</c>).</summary>
public enum RestartPolicy
{
    /// <summary>After an exit with a non-zero code or by a signal. The default.</summary>
    OnFailure,

    /// <summary>After any exit, including a clean exit 0.</summary>
    Always,

    /// <summary>Never by the supervisor itself: a plan triggered by the exit (<c>processExit</c>) or a person restarts it.</summary>
    Never,
}
