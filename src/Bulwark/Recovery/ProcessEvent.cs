namespace Bulwark.Recovery;

/// <summary>What happened to a supervised process.</summary>
internal enum ProcessEventKind
{
    /// <summary>A replica started (a new pid).</summary>
    Started,

    /// <summary>A replica exited because Bulwark stopped it (a stop, a restart, a scale down).</summary>
    Stopped,

    /// <summary>A replica exited by itself: a crash, a kill, an exit nobody asked for.</summary>
    Failed,

    /// <summary>A replica hit its start limit (a crash loop): the supervisor gave up on it.</summary>
    GaveUp,

    /// <summary>A copy left running by a previous Bulwark (killed without stopping its children) was stopped.</summary>
    LeftoverStopped,
}

/// <summary>One change of a supervised process, as the supervisor saw it.</summary>
internal sealed record ProcessEvent(
    ProcessEventKind Kind,
    string Process,
    int Replica,
    int Pid,
    DateTimeOffset At,
    string Description)
{
    /// <summary>Exit code (128 + signal when a signal ended it), for an exit.</summary>
    public int? ExitCode { get; init; }

    /// <summary>How long the replica ran before it exited.</summary>
    public TimeSpan? RanFor { get; init; }

    /// <summary>The replica's pid before this start, for a restart.</summary>
    public int? PreviousPid { get; init; }

    /// <summary>Monotonic timestamp of the observation (<see cref="TimeProvider.GetTimestamp"/>), for measuring.</summary>
    public long Timestamp { get; init; }
}
