using System.Collections.Concurrent;

namespace Bulwark.Health;

/// <summary>Last heartbeat time per component, reported through the library and read by heartbeat checks.</summary>
internal sealed class HeartbeatRegistry(TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<string, long> _lastTicks = new(StringComparer.Ordinal);

    public TimeProvider TimeProvider { get; } = timeProvider;

    public void Report(string component) =>
        _lastTicks[component] = TimeProvider.GetUtcNow().UtcTicks;

    public DateTimeOffset? LastHeartbeat(string component) =>
        _lastTicks.TryGetValue(component, out var ticks) ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
}
