using System.Text.Json;

namespace Bulwark.Cli.Tests.Commands;

/// <summary><c>bulwark recover list|run|history</c>: exit codes, the dry run, and a real run picked up by a running system.</summary>
public sealed class RecoverCommandsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private string Config(string plans = "")
    {
        var path = _dir.File("bulwark.yaml");
        File.WriteAllText(path, $"""
            checkIntervalSeconds: 0.1
            dataDirectory: {_dir.File("data")}
            components:
              - name: db
                failureThreshold: 1
                successThreshold: 1
                checks:
                  - {"{"} type: command, command: "true" {"}"}
            recovery:
              processes:
                - name: worker
                  command: sleep
                  args: ["300"]
              plans:
                - name: flush
                  component: db
                  description: flush the cache
                  triggers:
                    - {"{"} state: Failed, checks: 2 {"}"}
                  steps:
                    - action: command
                      command: sh
                      args: ["-c", "echo flushed > {_dir.File("flushed")}"]
                      retries: 1
                    - action: clearCache
                      path: {_dir.File("cache")}
                      root: {_dir.Path}
                  validation:
                    deadlineSeconds: 10
            {plans}
            """);
        return path;
    }

    [Fact]
    public async Task List_ShowsThePlans_TheRestartPlans_AndTheProcesses()
    {
        var (exit, stdout, stderr) = await CliRunner.RunAsync("recover", "list", "--config", Config());
        Assert.True(exit == 0, stderr);
        Assert.Contains("flush", stdout, StringComparison.Ordinal);
        Assert.Contains("db Failed for 2 check(s)", stdout, StringComparison.Ordinal);
        Assert.Contains("restart-worker", stdout, StringComparison.Ordinal);
        Assert.Contains("worker exits", stdout, StringComparison.Ordinal);
        Assert.Contains("sleep 300", stdout, StringComparison.Ordinal);

        var json = await CliRunner.RunAsync("recover", "list", "--config", Config(), "--json");
        using var document = JsonDocument.Parse(json.Stdout);
        Assert.Equal(["flush", "restart-worker"], document.RootElement.GetProperty("plans").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task DryRun_PrintsTheStepsInOrder_WithResolvedCommands_AndRunsNothing()
    {
        var (exit, stdout, stderr) = await CliRunner.RunAsync("recover", "run", "flush", "--dry-run", "--config", Config());

        Assert.True(exit == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("dry run, nothing runs:", lines[0]);
        Assert.StartsWith("  1-command: sh -c 'echo flushed > ", lines[2], StringComparison.Ordinal);
        Assert.Contains("1 retries", lines[2], StringComparison.Ordinal);
        Assert.StartsWith($"  2-clearCache: empty {_dir.File("cache")} (inside {_dir.Path}", lines[3], StringComparison.Ordinal);
        Assert.Contains("then validate: db Healthy", lines[4], StringComparison.Ordinal);
        Assert.False(File.Exists(_dir.File("flushed")));
        Assert.False(Directory.Exists(_dir.File("data")));
    }

    [Theory]
    [InlineData(new[] { "recover", "run", "nothing", "--by", "me", "--reason", "x" }, "no recovery plan named 'nothing'; known: flush, restart-worker")]
    [InlineData(new[] { "recover", "run", "flush", "--reason", "x" }, "--by NAME and --reason TEXT are required")]
    [InlineData(new[] { "recover", "run", "flush", "--by", "me", "--reason", "x", "--timeout", "soon" }, "--timeout: 'soon' is not a duration")]
    [InlineData(new[] { "recover", "history", "--limit", "0" }, "--limit: must be at least 1")]
    public async Task BadInput_Exits2_NamingIt(string[] args, string message)
    {
        var (exit, _, stderr) = await CliRunner.RunAsync([.. args, "--config", Config()]);
        Assert.Equal(2, exit);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidConfiguration_Exits2_WithTheFieldPath()
    {
        var config = Config().Replace("retries: 1", "retries: lots", StringComparison.Ordinal);
        File.WriteAllText(_dir.File("bad.yaml"), File.ReadAllText(config).Replace("retries: 1", "retries: lots", StringComparison.Ordinal));
        var (exit, _, stderr) = await CliRunner.RunAsync("recover", "list", "--config", _dir.File("bad.yaml"));
        Assert.Equal(2, exit);
        Assert.Contains("recovery.plans[0].steps[0].retries: must be a whole number, got 'lots'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WithNoRunningSystem_Exits1_AndSaysWhy()
    {
        var config = Config();
        await using (await Bulwark.Storage.SqliteEventStore.OpenAsync(Path.Combine(_dir.File("data"), BulwarkDefaults.DatabaseFileName)))
        {
        }

        var (exit, _, stderr) = await CliRunner.RunAsync("recover", "run", "flush", "--by", "me", "--reason", "test", "--config", config);

        Assert.Equal(1, exit);
        Assert.Contains("no 'bulwark run' is running", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_IsPickedUpByTheRunningSystem_WithProgress_AndLandsInHistory()
    {
        var config = Config();
        var load = Bulwark.Configuration.BulwarkConfiguration.Load(config);
        Assert.True(load.IsValid, string.Join("\n", load.Errors));
        await using var system = SafetySystem.Create(load.Options);
        await system.StartAsync();
        Directory.CreateDirectory(_dir.File("cache"));
        File.WriteAllText(Path.Combine(_dir.File("cache"), "stale"), "x");
        await WaitForStatusAsync();

        var (exit, stdout, stderr) = await CliRunner.RunAsync("recover", "run", "flush", "--by", "alice", "--reason", "stale quotes", "--config", config);

        Assert.True(exit == 0, stderr + stdout);
        Assert.Contains("requested flush for db", stdout, StringComparison.Ordinal);
        Assert.Contains("1-command succeeded", stdout, StringComparison.Ordinal);
        Assert.Contains("2-clearCache succeeded", stdout, StringComparison.Ordinal);
        Assert.Contains("validation passed", stdout, StringComparison.Ordinal);
        Assert.Contains("flush succeeded in", stdout, StringComparison.Ordinal);
        Assert.Equal("flushed", File.ReadAllText(_dir.File("flushed")).Trim());
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.File("cache")));

        var history = await CliRunner.RunAsync("recover", "history", "--config", config, "--json");
        using var runs = JsonDocument.Parse(history.Stdout);
        var run = Assert.Single(runs.RootElement.EnumerateArray());
        Assert.Equal(("flush", "manual", "alice", "stale quotes", "succeeded"),
            (run.GetProperty("plan").GetString(), run.GetProperty("triggerKind").GetString(), run.GetProperty("by").GetString(),
             run.GetProperty("reason").GetString(), run.GetProperty("outcome").GetString()));

        var text = await CliRunner.RunAsync("recover", "history", "--config", config);
        Assert.Contains("[alice] run by alice: stale quotes", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("2-clearCache: succeeded", text.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_OfAnEmptyStore_SaysSo()
    {
        await using (await Bulwark.Storage.SqliteEventStore.OpenAsync(Path.Combine(_dir.File("data"), BulwarkDefaults.DatabaseFileName)))
        {
        }

        var (exit, stdout, _) = await CliRunner.RunAsync("recover", "history", "--config", Config());
        Assert.Equal(0, exit);
        Assert.Contains("No recovery has run yet.", stdout, StringComparison.Ordinal);
    }

    /// <summary>The running system writes its status once a second; `recover run` needs a fresh one.</summary>
    private async Task WaitForStatusAsync()
    {
        for (var i = 0; i < 200; i++)
        {
            var status = await CliRunner.RunAsync("status", "--data-dir", _dir.File("data"), "--json");
            if (status.ExitCode == 0)
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail("the running system wrote no status within 10 s");
    }

    public void Dispose() => _dir.Dispose();
}
