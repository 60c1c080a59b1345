using System.Text.Json;
using Bulwark.Storage;

namespace Bulwark.Cli.Tests.Commands;

public sealed class EventsAndStatusCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly DateTimeOffset _now = TimeProvider.System.GetUtcNow();

    private async Task SeedAsync(params SafetyEvent[] events)
    {
        await using var store = await SqliteEventStore.OpenAsync(_dir.File(BulwarkDefaults.DatabaseFileName));
        foreach (var e in events)
        {
            await store.AppendAsync(e);
        }
    }

    private async Task SeedStatusAsync(DateTimeOffset updatedAt)
    {
        await using var store = await SqliteEventStore.OpenAsync(_dir.File(BulwarkDefaults.DatabaseFileName));
        await store.WriteStatusAsync(new StatusReport
        {
            UpdatedAt = updatedAt,
            System = SafetyState.Failed,
            SystemSince = updatedAt,
            ProcessId = 4242,
            Components =
            [
                new ComponentStatus
                {
                    Name = "web",
                    Criticality = Criticality.Critical,
                    State = SafetyState.Failed,
                    Checks = [new CheckReport { Name = "http", Type = CheckType.Http, Condition = CheckCondition.Failing, LastDescription = "connection refused", LastDurationMs = 3 }],
                },
            ],
        });
    }

    private SafetyEvent Transition(string subject, string from, string to, TimeSpan ago) => new()
    {
        Time = _now - ago,
        Kind = subject == "system" ? EventKinds.SystemState : EventKinds.ComponentState,
        Subject = subject,
        From = from,
        To = to,
        Cause = $"{subject} went {to}",
    };

    [Fact]
    public async Task Events_ListsTransitions_ForAPerson()
    {
        await SeedAsync(Transition("web", "Healthy", "Failed", TimeSpan.FromMinutes(1)), Transition("system", "Healthy", "Failed", TimeSpan.FromMinutes(1)));

        var (exit, stdout, _) = await CliRunner.RunAsync("events", "--data-dir", _dir.Path);

        Assert.Equal(0, exit);
        Assert.Contains("SEQ", stdout);
        Assert.Contains("Healthy -> Failed", stdout);
        Assert.Contains("web went Failed", stdout);
        Assert.Contains("system went Failed", stdout);
    }

    [Fact]
    public async Task Events_Json_IsAnArrayOfEvents()
    {
        await SeedAsync(Transition("web", "Healthy", "Failed", TimeSpan.FromMinutes(1)));

        var (exit, stdout, _) = await CliRunner.RunAsync("events", "--data-dir", _dir.Path, "--json");

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(stdout);
        var e = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal("web", e.GetProperty("subject").GetString());
        Assert.Equal("Failed", e.GetProperty("to").GetString());
        Assert.Equal(1, e.GetProperty("sequence").GetInt64());
    }

    [Fact]
    public async Task Events_Since_KeepsOnlyTheWindow()
    {
        await SeedAsync(Transition("old", "Healthy", "Failed", TimeSpan.FromHours(2)), Transition("new", "Healthy", "Failed", TimeSpan.FromMinutes(5)));

        var (_, stdout, _) = await CliRunner.RunAsync("events", "--data-dir", _dir.Path, "--since", "1h", "--json");

        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(["new"], json.RootElement.EnumerateArray().Select(e => e.GetProperty("subject").GetString()));
    }

    [Fact]
    public async Task Events_ComponentFilter()
    {
        await SeedAsync(Transition("web", "Healthy", "Failed", TimeSpan.FromMinutes(2)), Transition("db", "Healthy", "Failed", TimeSpan.FromMinutes(1)));

        var (_, stdout, _) = await CliRunner.RunAsync("events", "--data-dir", _dir.Path, "--component", "db", "--json");

        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(["db"], json.RootElement.EnumerateArray().Select(e => e.GetProperty("subject").GetString()));
    }

    [Theory]
    [InlineData("--since", "10x", "--since: '10x' is not a duration")]
    [InlineData("--since", "", "--since")]
    [InlineData("--limit", "0", "--limit: must be at least 1")]
    [InlineData("--limit", "many", "many")]
    public async Task Events_BadArguments_ExitWith2AndNameTheOption(string option, string value, string message)
    {
        await SeedAsync(Transition("web", "Healthy", "Failed", TimeSpan.FromMinutes(1)));

        var (exit, stdout, stderr) = await CliRunner.RunAsync("events", "--data-dir", _dir.Path, option, value);

        Assert.Equal(2, exit);
        Assert.Contains(message, stderr);
        Assert.Equal("", stdout);
    }

    [Theory]
    [InlineData("events")]
    [InlineData("status")]
    public async Task WithoutAStore_ExitWith1AndSayWhereTheyLooked(string command)
    {
        var (exit, _, stderr) = await CliRunner.RunAsync(command, "--data-dir", _dir.Path);

        Assert.Equal(1, exit);
        Assert.Contains("no Bulwark store at", stderr);
        Assert.Contains(_dir.Path, stderr);
        Assert.False(File.Exists(_dir.File(BulwarkDefaults.DatabaseFileName)), "reading must not create a store");
    }

    [Fact]
    public async Task Status_Fresh_ShowsEveryComponentAndCheck()
    {
        await SeedStatusAsync(_now);

        var (exit, stdout, _) = await CliRunner.RunAsync("status", "--data-dir", _dir.Path);

        Assert.Equal(0, exit);
        Assert.StartsWith("System: Failed", stdout);
        Assert.Contains("web", stdout);
        Assert.Contains("connection refused", stdout);
        Assert.DoesNotContain("WARNING", stdout);
    }

    [Fact]
    public async Task Status_Old_SaysTheRunnerIsNotRunning()
    {
        await SeedStatusAsync(_now - TimeSpan.FromMinutes(3));

        var (exit, stdout, _) = await CliRunner.RunAsync("status", "--data-dir", _dir.Path);
        Assert.Equal(0, exit);
        Assert.Contains("WARNING", stdout);
        Assert.Contains("pid 4242", stdout);

        var (_, json, _) = await CliRunner.RunAsync("status", "--data-dir", _dir.Path, "--json");
        using var doc = JsonDocument.Parse(json);
        Assert.True(doc.RootElement.GetProperty("stale").GetBoolean());
        Assert.True(doc.RootElement.GetProperty("reportAgeSeconds").GetDouble() >= 170);
        Assert.Equal("Failed", doc.RootElement.GetProperty("system").GetString());
        Assert.Equal("connection refused", doc.RootElement.GetProperty("components")[0].GetProperty("checks")[0].GetProperty("lastDescription").GetString());
    }

    [Fact]
    public async Task UnknownCommandOrOption_ExitsWith2()
    {
        Assert.Equal(2, (await CliRunner.RunAsync("frobnicate")).ExitCode);
        var (exit, _, stderr) = await CliRunner.RunAsync("status", "--jsn");
        Assert.Equal(2, exit);
        Assert.Contains("--jsn", stderr);
    }

    public void Dispose() => _dir.Dispose();
}
