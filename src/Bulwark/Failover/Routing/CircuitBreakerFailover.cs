using Polly;
using Polly.CircuitBreaker;

namespace Bulwark.Failover.Routing;

/// <summary>Options of the circuit breaker each endpoint gets (Polly v8's advanced breaker).</summary>
public sealed class EndpointBreakerOptions
{
    /// <summary>Share of failed calls in the sampling window that opens the breaker. Default 0.5.</summary>
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>Fewest calls in the window before the ratio counts. Default 5.</summary>
    public int MinimumThroughput { get; set; } = 5;

    /// <summary>The window the ratio is measured over. Default 10 s.</summary>
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an open breaker stays open before one trial call. Default 5 s.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>No endpoint could take the call: every breaker open, or every endpoint failed. Names each endpoint and why.</summary>
public sealed class NoHealthyEndpointException(string group, IReadOnlyList<string> reasons)
    : Exception($"failover group {group}: no endpoint could take the call ({string.Join("; ", reasons)})")
{
    /// <summary>The group.</summary>
    public string Group { get; } = group;

    /// <summary>One entry per endpoint: its name and why it was passed over.</summary>
    public IReadOnlyList<string> Reasons { get; } = reasons;
}

/// <summary>
/// Circuit-breaker failover: endpoints in order of preference, each behind its own Polly v8 circuit breaker. A call
/// goes to the first endpoint whose breaker is not open; a failure counts against that endpoint's breaker and the same
/// call moves on to the next endpoint; an open breaker is passed over until Polly lets a trial call through (half-open).
/// When no endpoint can take the call, it fails with <see cref="NoHealthyEndpointException"/> (fail closed).
/// </summary>
public sealed class CircuitBreakerFailover
{
    private readonly (ReplicaEndpoint Endpoint, ResiliencePipeline Pipeline, CircuitBreakerStateProvider State)[] _endpoints;

    /// <summary>Creates one breaker per endpoint, all on <paramref name="timeProvider"/>'s clock.</summary>
    public CircuitBreakerFailover(string group, IReadOnlyList<ReplicaEndpoint> endpoints, EndpointBreakerOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(group);
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.Count == 0)
        {
            throw new ArgumentException("at least one endpoint is required", nameof(endpoints));
        }

        Group = group;
        options ??= new EndpointBreakerOptions();
        _endpoints = endpoints.Select(endpoint =>
        {
            var state = new CircuitBreakerStateProvider();
            var pipeline = new ResiliencePipelineBuilder { TimeProvider = timeProvider ?? TimeProvider.System }
                .AddCircuitBreaker(new CircuitBreakerStrategyOptions
                {
                    FailureRatio = options.FailureRatio,
                    MinimumThroughput = options.MinimumThroughput,
                    SamplingDuration = options.SamplingDuration,
                    BreakDuration = options.BreakDuration,
                    StateProvider = state,
                    ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not OperationCanceledException),
                })
                .Build();
            return (endpoint, pipeline, state);
        }).ToArray();
    }

    /// <summary>The group.</summary>
    public string Group { get; }

    /// <summary>Each endpoint's breaker now: Closed, Open, HalfOpen or Isolated.</summary>
    public IReadOnlyList<(string Endpoint, CircuitState State)> States => _endpoints.Select(e => (e.Endpoint.Name, e.State.CircuitState)).ToList();

    /// <summary>Runs <paramref name="call"/> on the first endpoint that takes it, in order of preference.</summary>
    /// <exception cref="NoHealthyEndpointException">Every breaker was open or every endpoint failed.</exception>
    public async ValueTask<T> ExecuteAsync<T>(Func<ReplicaEndpoint, CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        var reasons = new List<string>();
        foreach (var (endpoint, pipeline, _) in _endpoints)
        {
            // No look at the state first: Polly itself refuses an open breaker without calling (BrokenCircuitException)
            // and lets the trial call of a half-open one through once the break is over.
            try
            {
                return await pipeline.ExecuteAsync(token => call(endpoint, token), cancellationToken).ConfigureAwait(false);
            }
            catch (BrokenCircuitException)
            {
                reasons.Add($"{endpoint.Name}: breaker open");
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                reasons.Add($"{endpoint.Name}: {ex.Message}");
            }
        }

        throw new NoHealthyEndpointException(Group, reasons);
    }
}
