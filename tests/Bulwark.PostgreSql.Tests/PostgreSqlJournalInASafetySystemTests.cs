using Bulwark.Tests.Servers;
using Bulwark.Trading;

namespace Bulwark.PostgreSql.Tests;

/// <summary>A safety system whose trading journal is on PostgreSQL: stopped and started again, it trades on from where it was.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlJournalInASafetySystemTests(PostgresServer server) : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task ARestart_RestoresThePositionAndAHalt_FromThePostgresJournal()
    {
        var connection = await server.CreateDatabaseAsync();
        long position;
        await using (var store = await PostgreSqlTradingJournalStore.OpenAsync(connection))
        await using (var first = SafetySystem.Create(Options(connection), tradingJournalStore: store))
        {
            var gate = await StartedAsync(first);
            var (a, s, y) = (gate.GetAccountId("A1"), gate.GetStrategyId("S1"), gate.GetSymbolId("XYZ"));
            gate.UpdateReferencePrice(y, 100);
            var order = new OrderRequest(1, a, s, y, OrderSide.Buy, 40, 100);
            var decision = gate.Check(in order);
            Assert.True(decision.IsAccepted, decision.ToString());
            Assert.True(first.Trading!.Journal!.RecordAccepted(in order, decision));
            Assert.True(gate.OnFill(1, 1, 25, 100));
            gate.SetTradingState(TradingScope.ForStrategy("S1"), TradingState.Halted, "alice", "review");
            position = gate.GetPosition(a, y).Position;
            await first.StopAsync();
        }

        // A second data directory: nothing local survives, only the server's journal.
        await using var reopened = await PostgreSqlTradingJournalStore.OpenAsync(connection);
        await using var second = SafetySystem.Create(Options(connection, Path.Combine(_dir.Path, "second")), tradingJournalStore: reopened);
        await second.StartAsync();
        var restored = second.Trading!.Gate;
        Assert.Equal(25, position);
        Assert.Equal(position, restored.GetPosition(restored.GetAccountId("A1"), restored.GetSymbolId("XYZ")).Position);
        Assert.Equal([1L], restored.GetWorkingOrders());
        Assert.Equal(TradingState.Halted, restored.GetTradingState(TradingScope.ForStrategy("S1")));
    }

    private BulwarkOptions Options(string connection, string? dataDirectory = null)
    {
        var options = new BulwarkOptions { DataDirectory = dataDirectory ?? Path.Combine(_dir.Path, "first"), CheckIntervalSeconds = 0.05 };
        var component = new ComponentOptions { Name = "self", SuccessThreshold = 1 };
        component.Checks.Add(new CheckOptions { Type = CheckType.Command, Command = "true", TimeoutSeconds = 5 });
        options.Components.Add(component);
        var trading = new RiskGateOptions { EnabledChecks = RiskChecks.None, OrderCapacity = 1 << 10 };
        trading.Accounts.Add("A1");
        trading.Strategies.Add("S1");
        trading.Instruments["XYZ"] = new InstrumentOptions { TickSize = 0.01, LotSize = 1, Multiplier = 1 };
        options.Trading = trading;
        options.TradingJournal.Store = Bulwark.Trading.Journal.TradingJournalStoreKind.PostgreSql;
        options.TradingJournal.ConnectionString = connection;
        return options;
    }

    private static async Task<RiskGate> StartedAsync(SafetySystem system)
    {
        await system.StartAsync();
        var gate = system.Trading!.Gate;
        await Eventually.WaitUntilAsync(() => gate.GetTradingState(TradingScope.Firm) == TradingState.Active, Deadline, "the start's hold lifted");
        return gate;
    }
}
