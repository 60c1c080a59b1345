using Bulwark.Health;

namespace Bulwark.Tests.TestSupport;

/// <summary>A probe whose answer the test sets; it counts its runs and can hang or throw.</summary>
internal sealed class ScriptedProbe : IHealthProbe
{
    private int _runs;

    public ScriptedProbeMode Mode { get; set; } = ScriptedProbeMode.Healthy;

    /// <summary>When true, a hanging run ignores its cancellation token, as a badly written check would.</summary>
    public bool IgnoreCancellation { get; set; }

    public int Runs => Volatile.Read(ref _runs);

    public async ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _runs);
        switch (Mode)
        {
            case ScriptedProbeMode.Healthy:
                return ProbeResult.Healthy("scripted ok");
            case ScriptedProbeMode.Degraded:
                return ProbeResult.Degraded("scripted warning");
            case ScriptedProbeMode.Unhealthy:
                return ProbeResult.Unhealthy("scripted failure");
            case ScriptedProbeMode.Throw:
                throw new InvalidOperationException("scripted exception");
            default:
                await Task.Delay(Timeout.InfiniteTimeSpan, IgnoreCancellation ? CancellationToken.None : cancellationToken);
                return ProbeResult.Healthy("unreachable");
        }
    }
}

internal enum ScriptedProbeMode
{
    Healthy,
    Degraded,
    Unhealthy,
    Throw,
    Hang,
}
