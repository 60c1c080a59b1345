namespace Bulwark.Health;

/// <summary>Shared resources the probes are built with.</summary>
internal sealed class ProbeContext(HttpClient http, TimeProvider timeProvider, HeartbeatRegistry heartbeats, IServiceProvider? services)
{
    /// <summary>One client for all HTTP checks: no proxy, no redirects, no cookies.</summary>
    public HttpClient Http { get; } = http;

    public TimeProvider TimeProvider { get; } = timeProvider;

    public HeartbeatRegistry Heartbeats { get; } = heartbeats;

    /// <summary>The host's services, for <c>healthCheck</c> checks that name a registration; null outside a host.</summary>
    public IServiceProvider? Services { get; } = services;
}
