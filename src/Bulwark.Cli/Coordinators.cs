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

    /// <summary>The PostgreSQL trading journal (<c>trading.journal.store: postgres</c>); null otherwise (the system opens its SQLite file itself).</summary>
    public static async Task<Bulwark.Trading.Journal.ITradingJournalStore?> OpenJournalAsync(BulwarkOptions options, CancellationToken cancellationToken) =>
        options is { Trading: not null, TradingJournal: { Enabled: true, Store: Bulwark.Trading.Journal.TradingJournalStoreKind.PostgreSql } journal }
            ? await PostgreSqlTradingJournalStore.OpenAsync(journal.ConnectionString!, cancellationToken).ConfigureAwait(false)
            : null;

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
