using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Bulwark.Configuration;
using Bulwark.Failover;

namespace Bulwark.Cli.Tests.Commands;

/// <summary>
/// <c>bulwark failover status|switchover</c> against two running replicas (two safety systems sharing one data
/// directory and its SQLite lease file): the CLI sees who leads, hands leadership over, and reads the failover back.
/// </summary>
public sealed class FailoverCommandsTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _dir = new();
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public FailoverCommandsTests() => _listener.Start();

    private string ConfigFile()
    {
        var port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        var path = _dir.File("bulwark.yaml");
        File.WriteAllText(path, string.Create(CultureInfo.InvariantCulture, $"""
            dataDirectory: {_dir.Path}
            checkIntervalSeconds: 0.1
            components:
              - name: gateway
                successThreshold: 1
                checks:
                  - type: tcp
                    host: 127.0.0.1
                    port: {port}
            failover:
              replica: a
              groups:
                - name: engines
                  leaseSeconds: 5
                  renewIntervalSeconds: 0.2
                  retryIntervalSeconds: 0.05
                  safetyMarginSeconds: 1
            """));
        return path;
    }

    private static BulwarkOptions Replica(string file, string name)
    {
        var options = BulwarkConfiguration.Load(file).Options!;
        options.Failover!.Replica = name;
        return options;
    }

    [Fact]
    public async Task Status_ShowsTheLeader_Switchover_HandsItOver_AndTheFailoverIsRecorded()
    {
        var file = ConfigFile();
        await using var a = SafetySystem.Create(Replica(file, "a"));
        await a.StartAsync();
        await WaitAsync(() => a.Failover!.Electors[0].IsLeader, "a leads");
        await using var b = SafetySystem.Create(Replica(file, "b"));
        await b.StartAsync();

        var status = await CliRunner.RunAsync("failover", "status", "-c", file, "--json");
        Assert.True(status.ExitCode == 0, status.Stderr);
        using (var doc = JsonDocument.Parse(status.Stdout))
        {
            var group = doc.RootElement.GetProperty("groups")[0];
            Assert.Equal(("engines", "a"), (group.GetProperty("group").GetString(), group.GetProperty("leader").GetString()));
            Assert.Equal(0, doc.RootElement.GetProperty("recoveryTime").GetProperty("count").GetInt32());
        }

        var switchover = await CliRunner.RunAsync("failover", "switchover", "--group", "engines", "--to", "b", "--by", "alice", "-c", file);
        Assert.True(switchover.ExitCode == 0, switchover.Stderr);
        Assert.Contains("b leads engines with token", switchover.Stdout, StringComparison.Ordinal);
        // The coordinator shows b leading a moment before b's elector has handled the answer and recorded it.
        await WaitAsync(() => b.Failover!.Records.Count == 1, "b records the switchover");
        Assert.True(b.Failover!.Electors[0].IsLeader);
        Assert.False(a.Failover!.Electors[0].IsLeader);
        await b.Failover.FlushAsync();
        var after = await CliRunner.RunAsync("failover", "status", "-c", file);
        Assert.True(after.ExitCode == 0, after.Stderr);
        Assert.Matches(@"engines\s+b\s+\d+", after.Stdout);
        Assert.Contains("1 failover(s)", after.Stdout, StringComparison.Ordinal);
        Assert.Contains("switchover from a", after.Stdout, StringComparison.Ordinal);
        var requested = Assert.Single(await b.Events.ReadAsync(new EventQuery { KindPrefix = FailoverEventKinds.SwitchoverRequested }));
        Assert.Equal(("alice", "a", "b"), (requested.Actor, requested.From, requested.To));

        var again = await CliRunner.RunAsync("failover", "switchover", "--group", "engines", "--to", "b", "-c", file);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Contains("already leads", again.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Switchover_ToAReplicaThatNeverComes_FailsAfterItsTimeout_AndSaysWhatToCheck()
    {
        var file = ConfigFile();
        var result = await CliRunner.RunAsync("failover", "switchover", "--group", "engines", "--to", "ghost", "--timeout", "0.5s", "-c", file);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("ghost did not take over engines within 0.5 s", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--group", "nope", "--to", "b" }, "no failover group named 'nope' (configured: engines)")]
    [InlineData(new[] { "--group", "engines", "--to", "b c" }, "--to must be a replica name")]
    [InlineData(new[] { "--group", "engines", "--to", "b", "--timeout", "soon" }, "--timeout: 'soon' is not a duration")]
    [InlineData(new[] { "--group", "engines", "--to", "b", "--by", "" }, "--by: must name someone")] // before: recorded as the user name
    [InlineData(new[] { "--group", "engines", "--to", "b", "--by", " " }, "--by: must name someone")] // before: recorded as " "
    public async Task Switchover_BadArguments_AreUsageErrors_NamingTheArgument(string[] args, string message)
    {
        var result = await CliRunner.RunAsync(["failover", "switchover", .. args, "-c", ConfigFile()]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_WithoutAFailoverSection_SaysSo()
    {
        var file = _dir.File("plain.yaml");
        await File.WriteAllTextAsync(file, SampleConfigurations.Valid);
        var result = await CliRunner.RunAsync("failover", "status", "-c", file);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("has no failover: section", result.Stderr, StringComparison.Ordinal);
    }

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(Deadline.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (!condition())
        {
            Assert.True(TimeProvider.System.GetTimestamp() < deadline, $"not within {Deadline.TotalSeconds} s: {what}");
            await Task.Delay(20);
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _dir.Dispose();
    }
}
