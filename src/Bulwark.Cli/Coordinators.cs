using Bulwark.Etcd;
using Bulwark.Failover;
using Bulwark.PostgreSql;
using Bulwark.Trading;

namespace Bulwark.Cli;

/// <summary>Opens the lease coordinator a configuration's <c>failover:</c> section names, whichever backend it is.</summary>
internal static class Coordinators
{
    public static async Task<ILeaseCoordinator> OpenAsync(BulwarkOptions options, CancellationToken cancellationToken)
    {
        var failover = options.Failover ?? throw new InvalidOperationException("the configuration has no failover: section");
        var coordinator = failover.Coordinator;
        return coordinator.Backend switch
        {
            CoordinatorBackend.PostgreSql => await PostgreSqlLeaseCoordinator.OpenAsync(coordinator.ConnectionString!, cancellationToken).ConfigureAwait(false),
            CoordinatorBackend.Etcd => new EtcdLeaseCoordinator(coordinator.Endpoints!),
            _ => await SqliteLeaseCoordinator.OpenAsync(Path.Combine(options.DataDirectory, coordinator.Path), cancellationToken: cancellationToken).ConfigureAwait(false),
        };
    }

    /// <summary>The kill-switch channel of a coordinator that shares it (PostgreSQL, etcd); null otherwise or without trading.</summary>
    public static async Task<IKillSwitchChannel?> OpenKillSwitchAsync(BulwarkOptions options, CancellationToken cancellationToken)
    {
        if (options.Failover?.Coordinator is not { SharesKillSwitch: true } coordinator || options.Trading is null)
        {
            return null;
        }

        return coordinator.Backend switch
        {
            CoordinatorBackend.PostgreSql => await PostgreSqlKillSwitchChannel.OpenAsync(coordinator.ConnectionString!, cancellationToken).ConfigureAwait(false),
            CoordinatorBackend.Etcd => new EtcdKillSwitchChannel(coordinator.Endpoints!),
            _ => null,
        };
    }

    /// <summary>Where the leases are, for messages.</summary>
    public static string Describe(BulwarkOptions options) => options.Failover?.Coordinator is { } c
        ? c.Backend switch
        {
            CoordinatorBackend.PostgreSql => "postgresql",
            CoordinatorBackend.Etcd => "etcd at " + c.Endpoints,
            _ => "sqlite at " + Path.GetFullPath(Path.Combine(options.DataDirectory, c.Path)),
        }
        : "none";
}
