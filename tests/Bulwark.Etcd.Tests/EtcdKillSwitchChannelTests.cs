using Bulwark.Trading;
using Bulwark.Tests.Servers;

namespace Bulwark.Etcd.Tests;

[Collection(EtcdCollection.Name)]
public sealed class EtcdKillSwitchChannelTests(EtcdCluster cluster) : KillSwitchChannelContract
{
    private readonly string _prefix = $"/bulwark-test/{Guid.NewGuid():N}/killswitch/";
    private TcpProxy? _proxy;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }
    }

    protected override Task<IKillSwitchChannel> ConnectAsync(bool cuttable = false)
    {
        if (!cuttable)
        {
            return Task.FromResult<IKillSwitchChannel>(new EtcdKillSwitchChannel(cluster.Endpoints, _prefix));
        }

        // One member, reached through a proxy: cutting it cuts this node off the whole cluster.
        var member = new Uri(cluster.Endpoint(0));
        _proxy = new TcpProxy(member.Port);
        return Task.FromResult<IKillSwitchChannel>(new EtcdKillSwitchChannel($"http://127.0.0.1:{_proxy.Port}", _prefix));
    }

    /// <summary>etcd refuses a request over its --max-request-bytes (1.5 MiB by default).</summary>
    protected override int OversizedReasonLength => 1_800_000; // over 1.5 MiB, under the 2 MiB gRPC message limit above it

    protected override Task CutAsync()
    {
        _proxy!.Cut();
        return Task.CompletedTask;
    }

    protected override Task HealAsync()
    {
        _proxy!.Heal();
        return Task.CompletedTask;
    }
}
