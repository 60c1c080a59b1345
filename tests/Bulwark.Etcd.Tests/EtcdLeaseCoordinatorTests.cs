using Bulwark.Failover;
using Bulwark.Tests.Servers;

namespace Bulwark.Etcd.Tests;

[Collection(EtcdCollection.Name)]
public sealed class EtcdLeaseCoordinatorTests(EtcdCluster cluster) : LeaseCoordinatorContract
{
    private readonly string _prefix = $"/bulwark-test/{Guid.NewGuid():N}/";

    protected override bool UsesFakeTime => false;

    // 1 s works with the cluster's fast timing, but leaves the real-time contract too little room on a busy machine.
    protected override TimeSpan Ttl => TimeSpan.FromSeconds(2);

    // etcd's leader checks for expired leases every 500 ms, and keeps them a little past their TTL.
    protected override TimeSpan ExpiryLateness => TimeSpan.FromSeconds(1);

    protected override int PropertyIterations => 4;

    protected override bool KnowsReleases => false;

    // The contract is about what the answers are, so a request may take as long as a busy machine makes it; the
    // default timeout of 1 s (what an elector wants: fail closed soon) is tested on its own below.
    protected override Task<ILeaseCoordinator> ConnectAsync() =>
        Task.FromResult<ILeaseCoordinator>(new EtcdLeaseCoordinator(cluster.Endpoints, _prefix, requestTimeout: TimeSpan.FromSeconds(10)));

    [Fact]
    public void Ttl_IsRoundedUpToWholeSeconds_NeverDown()
    {
        Assert.Equal(1, EtcdLeaseCoordinator.TtlSeconds(TimeSpan.FromMilliseconds(300)));
        Assert.Equal(2, EtcdLeaseCoordinator.TtlSeconds(TimeSpan.FromMilliseconds(1001)));
        Assert.Equal(2, EtcdLeaseCoordinator.TtlSeconds(TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task Token_IsTheLeaderKeysCreateRevision_FromOneClusterWideCounter()
    {
        // Terms of different groups share etcd's revision counter, so tokens grow across groups too.
        await using var a = await ConnectAsync();
        var first = (await a.TryAcquireAsync("g1", "a", Ttl))!;
        var second = (await a.TryAcquireAsync("g2", "a", Ttl))!;
        Assert.True(second.Token > first.Token);
    }

    [Fact]
    public async Task UnreachableCluster_FailsWithinTheRequestTimeout()
    {
        await using var dead = new EtcdLeaseCoordinator("http://127.0.0.1:9", _prefix, TimeSpan.FromMilliseconds(500));
        var started = TimeProvider.System.GetTimestamp();
        await Assert.ThrowsAnyAsync<Exception>(async () => await dead.TryAcquireAsync("g", "a", Ttl));
        Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(3));
    }
}
