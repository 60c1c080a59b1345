using System.Globalization;

namespace Bulwark.Health.Checks;

/// <summary>Healthy when the component reported a heartbeat through the library within the stale limit.</summary>
internal sealed class HeartbeatProbe(string component, HeartbeatRegistry heartbeats, TimeSpan staleAfter) : IHealthProbe
{
    public ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        if (heartbeats.LastHeartbeat(component) is not { } last)
        {
            return ValueTask.FromResult(ProbeResult.Unhealthy("no heartbeat received yet"));
        }

        var age = heartbeats.TimeProvider.GetUtcNow() - last;
        var text = string.Create(CultureInfo.InvariantCulture, $"last heartbeat {age.TotalSeconds:0.0} s ago (stale after {staleAfter.TotalSeconds:0.###} s)");
        return ValueTask.FromResult(age <= staleAfter ? ProbeResult.Healthy(text) : ProbeResult.Unhealthy(text));
    }
}
