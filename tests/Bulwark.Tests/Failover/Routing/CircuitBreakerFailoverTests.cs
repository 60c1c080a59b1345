using Bulwark.Failover.Routing;
using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;

namespace Bulwark.Tests.Failover.Routing;

public sealed class CircuitBreakerFailoverTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));
    private readonly Dictionary<string, int> _calls = new() { ["a"] = 0, ["b"] = 0 };
    private readonly HashSet<string> _down = [];

    private CircuitBreakerFailover Failover() => new("venues",
        [new ReplicaEndpoint("a", "fix://a"), new ReplicaEndpoint("b", "fix://b")],
        new EndpointBreakerOptions { MinimumThroughput = 2, FailureRatio = 0.5, SamplingDuration = TimeSpan.FromSeconds(10), BreakDuration = TimeSpan.FromSeconds(5) },
        _time);

    private ValueTask<string> Send(ReplicaEndpoint endpoint, CancellationToken token)
    {
        _calls[endpoint.Name]++;
        return _down.Contains(endpoint.Name) ? throw new IOException($"{endpoint.Name} refused") : ValueTask.FromResult(endpoint.Name);
    }

    [Fact]
    public async Task AFailingEndpoint_FallsThroughToTheNext_ThenItsOpenBreakerSkipsIt_UntilATrialSucceeds()
    {
        var failover = Failover();
        Assert.Equal("a", await failover.ExecuteAsync(Send));

        _down.Add("a");
        Assert.Equal("b", await failover.ExecuteAsync(Send)); // a failed, the same call went to b
        Assert.Equal("b", await failover.ExecuteAsync(Send));
        Assert.Equal(CircuitState.Open, failover.States[0].State);
        var triesOfA = _calls["a"];
        Assert.Equal("b", await failover.ExecuteAsync(Send));
        Assert.Equal(triesOfA, _calls["a"]); // open: not even tried

        _down.Remove("a");
        _time.Advance(TimeSpan.FromSeconds(5)); // half-open: one trial call
        Assert.Equal("a", await failover.ExecuteAsync(Send));
        Assert.Equal(CircuitState.Closed, failover.States[0].State);
    }

    [Fact]
    public async Task NoEndpointTakesTheCall_FailsClosed_NamingEach()
    {
        var failover = Failover();
        _down.UnionWith(["a", "b"]);
        var error = await Assert.ThrowsAsync<NoHealthyEndpointException>(() => failover.ExecuteAsync(Send).AsTask());
        Assert.Equal(["a: a refused", "b: b refused"], error.Reasons);
        await Assert.ThrowsAsync<NoHealthyEndpointException>(() => failover.ExecuteAsync(Send).AsTask());
        var open = await Assert.ThrowsAsync<NoHealthyEndpointException>(() => failover.ExecuteAsync(Send).AsTask());
        Assert.Equal(["a: breaker open", "b: breaker open"], open.Reasons);
    }
}
