namespace Bulwark.Recovery;

/// <summary>The restart delay: the first delay doubled per quick failure in a row, capped, spread by jitter.</summary>
internal static class Backoff
{
    /// <param name="options">The process's delays.</param>
    /// <param name="quickFailures">Failures in a row that ran shorter than stableAfterSeconds, this one included.</param>
    /// <param name="random">A uniform draw in [0, 1).</param>
    public static TimeSpan Delay(SupervisedProcessOptions options, int quickFailures, double random)
    {
        var doublings = Math.Clamp(quickFailures - 1, 0, 30);
        var seconds = Math.Min(options.MaxRestartDelaySeconds, options.RestartDelaySeconds * Math.Pow(2, doublings));
        var spread = 1 + (options.RestartJitter * ((2 * random) - 1));
        return TimeSpan.FromSeconds(Math.Min(options.MaxRestartDelaySeconds, seconds * spread));
    }
}
