using Microsoft.Data.Sqlite;

namespace Bulwark.Cli.Tests.Failures;

/// <summary>
/// Each crash found by trying (issue 11), now one line on stderr with exit 2 (the argument named) or 1 (what to do).
/// </summary>
public sealed class CommandFailureTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>One line, starting "error: ", holding <paramref name="expected"/>; no stack trace anywhere.</summary>
    internal static void AssertOneLineError((int ExitCode, string Stdout, string Stderr) result, int exit, string expected)
    {
        var all = result.Stdout + result.Stderr;
        Assert.DoesNotContain("Unhandled exception", all);
        Assert.DoesNotContain("   at ", all);
        Assert.True(result.ExitCode == exit, $"exit {result.ExitCode}, expected {exit}: {result.Stderr}");
        var errors = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("warning: ", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(errors);
        Assert.StartsWith("error: ", line);
        Assert.Contains(expected, line);
    }

    [Theory]
    [InlineData("20000000d")]
    [InlineData("1000000d")]
    [InlineData("99999999999999999999w")]
    [InlineData("36526d")]
    public async Task Events_SinceTooLong_Exits2NamingSince(string since)
    {
        await DamagedStore.SeedAsync(_dir.Path);
        AssertOneLineError(await CliRunner.RunAsync("events", "--data-dir", _dir.Path, "--since", since), 2, "--since: '" + since + "' is longer than the maximum, 36525d");
    }

    [Fact]
    public async Task Events_SinceAHundredYears_ListsEverything()
    {
        await DamagedStore.SeedAsync(_dir.Path);
        var (exit, stdout, stderr) = await CliRunner.RunAsync("events", "--data-dir", _dir.Path, "--since", "36525d");
        Assert.True(exit == 0, stderr);
        Assert.Contains("Unknown -> Failed", stdout);
    }

    [Theory]
    [InlineData("100000000000d", "is longer than the maximum, 1h")]
    [InlineData("2000d", "is longer than the maximum, 1h")]
    [InlineData("0s", "must be longer than zero")]
    public async Task Switchover_TimeoutOutOfRange_Exits2NamingTimeout(string timeout, string message)
    {
        var config = _dir.File("bulwark.yaml");
        await File.WriteAllTextAsync(config, $"""
            dataDirectory: {_dir.Path}
            components:
              - name: gateway
                checks:
                  - type: tcp
                    host: 127.0.0.1
                    port: 1
            failover:
              replica: a
              groups:
                - name: engines
            """);
        AssertOneLineError(await CliRunner.RunAsync("failover", "switchover", "--group", "engines", "--to", "b", "--timeout", timeout, "--config", config), 2, "--timeout: '" + timeout + "' " + message);
    }

    [Theory]
    [InlineData("ack")]
    [InlineData("resolve")]
    public async Task IncidentAction_OnAReadOnlyStore_Exits1SayingWhatToDo(string action)
    {
        await DamagedStore.SeedAsync(_dir.Path);
        using (DamagedStore.MakeReadOnly(_dir.Path))
        {
            var result = await CliRunner.RunAsync("incidents", action, DamagedStore.OpenIncident, "--by", "alice", "--note", "on it", "--data-dir", _dir.Path);
            AssertOneLineError(result, 1, "is read-only: give this user write access to the file and its directory");
            Assert.Contains(DamagedStore.OpenIncident + " is not", result.Stderr);
        }
    }

    [Fact]
    public async Task Run_OnAStoreFromANewerVersion_Exits1SayingUpgrade_AndLeavesTheStoreAlone()
    {
        await DamagedStore.SeedAsync(_dir.Path);
        DamagedStore.NewerSchema(_dir.Path);
        var before = await File.ReadAllBytesAsync(DamagedStore.DatabasePath(_dir.Path));
        var config = _dir.File("bulwark.yaml");
        await File.WriteAllTextAsync(config, $"""
            dataDirectory: {_dir.Path}
            components:
              - name: web
                checks:
                  - type: tcp
                    host: 127.0.0.1
                    port: 1
            """);

        var result = await CliRunner.RunAsync("run", "--config", config);

        AssertOneLineError(result, 1, "was written by a newer Bulwark (store schema version 99; this one knows version 1): upgrade Bulwark");
        SqliteConnection.ClearAllPools();
        Assert.Equal(before, await File.ReadAllBytesAsync(DamagedStore.DatabasePath(_dir.Path)));
    }

    [Theory]
    [InlineData("events")]
    [InlineData("status")]
    [InlineData("sla")]
    [InlineData("incidents")]
    [InlineData("recover", "history")]
    public async Task Reader_OnAStoreFromANewerVersion_Exits1SayingUpgrade(params string[] command)
    {
        await DamagedStore.SeedAsync(_dir.Path);
        DamagedStore.NewerSchema(_dir.Path);
        AssertOneLineError(await CliRunner.RunAsync([.. command, "--data-dir", _dir.Path]), 1, "was written by a newer Bulwark");
    }

    [Theory]
    [InlineData("sla")]
    [InlineData("incidents")]
    public async Task SlaAndIncidents_WithAMalformedStatusRow_WarnAndStillAnswer(string command)
    {
        await DamagedStore.SeedAsync(_dir.Path);
        DamagedStore.MalformedStatus(_dir.Path);

        var (exit, stdout, stderr) = await CliRunner.RunAsync(command, "--data-dir", _dir.Path);

        Assert.DoesNotContain("Unhandled exception", stdout + stderr);
        Assert.True(exit == 0, stderr);
        Assert.StartsWith("warning: the status row in " + DamagedStore.DatabasePath(_dir.Path) + " is malformed", stderr);
        Assert.Contains("the next 'bulwark run' rewrites it", stderr);
        Assert.Contains(command == "sla" ? "SLA NOT met." : "INC-2", stdout);
    }

    [Fact]
    public async Task Status_WithAMalformedStatusRow_Exits1()
    {
        await DamagedStore.SeedAsync(_dir.Path);
        DamagedStore.MalformedStatus(_dir.Path);
        AssertOneLineError(await CliRunner.RunAsync("status", "--data-dir", _dir.Path), 1, "is malformed");
    }

    [Fact]
    public async Task Events_OnATruncatedStore_Exits1SayingRestore()
    {
        await DamagedStore.SeedAsync(_dir.Path);
        DamagedStore.Truncate(_dir.Path);
        AssertOneLineError(await CliRunner.RunAsync("events", "--data-dir", _dir.Path), 1, "is damaged");
    }

    [Fact]
    public async Task IncidentAction_InALooseDataDirectory_WarnsNamingThePathTheModeAndTheFix()
    {
        await DamagedStore.SeedAsync(_dir.Path);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_dir.Path, (UnixFileMode)Convert.ToInt32("777", 8));
        }

        var (exit, _, stderr) = await CliRunner.RunAsync("incidents", "ack", DamagedStore.OpenIncident, "--by", "alice", "--note", "on it", "--data-dir", _dir.Path);

        Assert.True(exit == 0, stderr);
        Assert.Equal($"warning: the data directory {_dir.Path} has mode 0777: others than its owner can reach the event log and change it; fix it with: chmod 700 '{_dir.Path}'", stderr.Trim());
    }
}
