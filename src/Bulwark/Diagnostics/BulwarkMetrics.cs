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
        // Buckets in seconds (an exporter's defaults are made for milliseconds): 1 ms to 10 s, about the check timeouts.
        CheckDuration = _meter.CreateHistogram<double>(
            "bulwark.check.duration", unit: "s", description: "Duration of one run of a health check.", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
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
