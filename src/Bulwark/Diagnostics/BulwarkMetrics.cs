using System.Diagnostics.Metrics;

namespace Bulwark.Diagnostics;

/// <summary>
/// Bulwark's instruments on one <see cref="Meter"/> named <see cref="MeterName"/>. Exported by any
/// System.Diagnostics.Metrics listener (OpenTelemetry, dotnet-counters).
/// </summary>
internal sealed class BulwarkMetrics : IDisposable
{
    public const string MeterName = "Bulwark";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;

    public BulwarkMetrics(IMeterFactory? meterFactory = null)
    {
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        CheckDuration = _meter.CreateHistogram<double>(
            "bulwark.check.duration", unit: "s", description: "Duration of one run of a health check.");
        Transitions = _meter.CreateCounter<long>(
            "bulwark.state.transitions", unit: "{transition}", description: "State transitions of components and of the system.");
        AuthFailures = _meter.CreateCounter<long>(
            "bulwark.server.auth.failures", unit: "{failure}", description: "Requests to the HTTP API with a wrong, revoked or malformed key, or refused while their address was rate-limited.");
    }

    public Meter Meter => _meter;

    /// <summary>Tags: component, check, status.</summary>
    public Histogram<double> CheckDuration { get; }

    /// <summary>Tags: subject (component name or <c>system</c>), from, to.</summary>
    public Counter<long> Transitions { get; }

    /// <summary>Tags: reason (invalid, revoked, malformed, limited).</summary>
    public Counter<long> AuthFailures { get; }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
