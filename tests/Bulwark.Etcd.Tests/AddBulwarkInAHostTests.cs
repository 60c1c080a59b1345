using Bulwark.Failover;
using Bulwark.Tests.Servers;
using Bulwark.Trading;

namespace Bulwark.Etcd.Tests;

[Collection(EtcdCollection.Name)]
public sealed class AddBulwarkInAHostTests(EtcdCluster cluster) : AddBulwarkInAHostContract
{
    protected override string Backend => "etcd";

    protected override (string Key, string Value) Connection => ("endpoints", cluster.Endpoints);

    protected override Task<(ILeaseCoordinator Leases, IKillSwitchChannel Channel)> OpenAsync() =>
        Task.FromResult<(ILeaseCoordinator, IKillSwitchChannel)>((new EtcdLeaseCoordinator(cluster.Endpoints), new EtcdKillSwitchChannel(cluster.Endpoints)));
}
