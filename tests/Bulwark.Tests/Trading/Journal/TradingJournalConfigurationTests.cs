using Bulwark.Configuration;
using Bulwark.Tests.Configuration;
using Bulwark.Trading.Journal;

namespace Bulwark.Tests.Trading.Journal;

public sealed class TradingJournalConfigurationTests : IDisposable
{
    private const string Base = """
        dataDirectory: data
        components:
          - name: web
            checks:
              - type: command
                name: ok
                command: "true"
        trading:
          accounts: [{ name: A1 }]
          strategies: [{ name: S1 }]
          instruments: [{ symbol: XYZ }]
          firm:
            maximumOrderQuantity: 100
            maximumDailyLoss: 1000
            maximumDrawdown: 1000
            maximumRepeatedExecutions: 20
        """;

    private readonly ConfigurationFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void WithoutAJournalSection_TradingIsJournaledToItsOwnSqliteFile_WithTheDefaults()
    {
        var (options, errors) = Load(Base);
        Assert.Empty(errors);
        var journal = options!.TradingJournal;
        Assert.True(journal.Enabled);
        Assert.Equal(TradingJournalStoreKind.Sqlite, journal.Store);
        Assert.Equal("trading-journal.db", journal.Path);
        Assert.Null(journal.ConnectionString);
        Assert.Equal(65_536, journal.QueueCapacity);
        Assert.Equal(4_096, journal.MaximumBatch);
        Assert.Equal(TakeoverSource.Journal, journal.Takeover);
    }

    [Fact]
    public void EveryKey_Binds()
    {
        var (options, errors) = Load(Base + """

              journal:
                store: postgres
                connectionString: "Host=db1;Database=bulwark"
                queueCapacity: 1024
                maximumBatch: 256
                retryIntervalSeconds: 0.5
                takeover: dropCopy
            """);
        Assert.Empty(errors);
        var journal = options!.TradingJournal;
        Assert.Equal(TradingJournalStoreKind.PostgreSql, journal.Store);
        Assert.Equal("Host=db1;Database=bulwark", journal.ConnectionString);
        Assert.Equal(1024, journal.QueueCapacity);
        Assert.Equal(256, journal.MaximumBatch);
        Assert.Equal(TimeSpan.FromMilliseconds(500), journal.RetryInterval);
        Assert.Equal(TakeoverSource.DropCopy, journal.Takeover);

        var (off, offErrors) = Load(Base + "\n  journal:\n    enabled: false\n    path: elsewhere.db\n");
        Assert.Empty(offErrors);
        Assert.False(off!.TradingJournal.Enabled);
        Assert.Equal("elsewhere.db", off.TradingJournal.Path);
    }

    [Theory]
    [InlineData("store: mongo", "trading.journal.store", "expected one of sqlite, postgres")]
    [InlineData("store: postgres", "trading.journal.connectionString", "required with store: postgres")]
    [InlineData("connectionString: \"Host=db1\"", "trading.journal.connectionString", "only with store: postgres")]
    [InlineData("queueCapacity: 1", "trading.journal.queueCapacity", "must be from 2 to 16,777,216")]
    [InlineData("queueCapacity: 16777217", "trading.journal.queueCapacity", "must be from 2 to 16,777,216")]
    [InlineData("queueCapacity: 99999999999", "trading.journal.queueCapacity", "must be a whole number from")]
    [InlineData("queueCapacity: lots", "trading.journal.queueCapacity", "expected a whole number")]
    [InlineData("maximumBatch: 0", "trading.journal.maximumBatch", "must be from 1 to 65,536")]
    [InlineData("maximumBatch: 65537", "trading.journal.maximumBatch", "must be from 1 to 65,536")]
    [InlineData("retryIntervalSeconds: 0", "trading.journal.retryIntervalSeconds", "greater than 0")]
    [InlineData("retryIntervalSeconds: 61", "trading.journal.retryIntervalSeconds", "at most 60 seconds")]
    [InlineData("followIntervalSeconds: 0", "trading.journal.followIntervalSeconds", "greater than 0")]
    [InlineData("followIntervalSeconds: 61", "trading.journal.followIntervalSeconds", "at most 60 seconds")]
    [InlineData("followIntervalSeconds: soon", "trading.journal.followIntervalSeconds", "expected a finite number")]
    [InlineData("takeover: broker", "trading.journal.takeover", "expected one of journal, dropCopy")]
    [InlineData("enabled: yes", "trading.journal.enabled", "expected true or false")]
    [InlineData("path: ../outside.db", "trading.journal.path", "relative to the data directory")]
    [InlineData("path: /var/lib/journal.db", "trading.journal.path", "relative to the data directory")]
    [InlineData("path: bulwark.db", "trading.journal.path", "must not be the event log's file")]
    [InlineData("queueCapcity: 10", "trading.journal.queueCapcity", "unknown key")]
    [InlineData("queueCapacity: ~", "trading.journal.queueCapacity", "must not be empty")]
    public void ABadValue_IsRefused_NamingItsField(string line, string path, string message)
    {
        var (options, errors) = Load(Base + "\n  journal:\n    " + line + "\n");
        Assert.Null(options);
        var error = Assert.Single(errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AJournalThatIsNotASection_IsRefused_NamingIt()
    {
        var (options, errors) = Load(Base + "\n  journal: true\n");
        Assert.Null(options);
        Assert.Equal("trading.journal", Assert.Single(errors).Path);
    }

    [Fact]
    public void TheLeaseCoordinatorsFile_IsNotTheJournalsFile()
    {
        var (options, errors) = Load(Base + """

              journal:
                path: leases.db
            failover:
              replica: a
              coordinator:
                backend: sqlite
                path: leases.db
              groups:
                - name: engines
                  trading: true
            """);
        Assert.Null(options);
        var error = Assert.Single(errors);
        Assert.Equal("trading.journal.path", error.Path);
        Assert.Contains("lease coordinator", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OptionsBuiltInCode_AreValidatedToo()
    {
        var options = new BulwarkOptions { DataDirectory = "data" };
        options.Trading = TradingFixture.DefaultOptions();
        options.TradingJournal = new TradingJournalOptions { QueueCapacity = 0, Store = TradingJournalStoreKind.PostgreSql };
        var error = Assert.Throws<BulwarkOptionsException>(() => SafetySystem.Create(options));
        Assert.Contains(error.Errors, e => e.Path == "trading.journal.queueCapacity");
        Assert.Contains(error.Errors, e => e.Path == "trading.journal.connectionString");
    }

    private (BulwarkOptions? Options, IReadOnlyList<OptionsError> Errors) Load(string yaml)
    {
        var result = BulwarkConfiguration.Load(_files.Write(yaml));
        return (result.Options, result.Errors);
    }
}
