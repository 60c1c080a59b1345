namespace Bulwark.Recovery;

/// <summary>A recovery action did not do what it must; the message says what happened, the output what it printed.</summary>
internal sealed class RecoveryActionException : Exception
{
    public RecoveryActionException(string message, string? output = null)
        : base(message)
    {
        Output = output;
    }

    public RecoveryActionException()
    {
    }

    public RecoveryActionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The end of what the action printed, when it printed something.</summary>
    public string? Output { get; }
}
