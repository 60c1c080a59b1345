using System.Globalization;
using System.Text.Json;

namespace Bulwark.Cli.Tests.Commands;

/// <summary><c>bulwark redundancy [--json]</c>: the level reached from live evidence (here pid files), exit codes 0, 1 and 2.</summary>
public sealed class RedundancyCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private string ConfigFile(int capacity, string redundancy = "")
    {
        // a0 is this test process (running), a1 a pid file that names no process, a2 has no pid file at all.
        File.WriteAllText(_dir.File("a0.pid"), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        File.WriteAllText(_dir.File("a1.pid"), "999999999");
        var path = _dir.File("bulwark.yaml");
        File.WriteAllText(path, string.Create(CultureInfo.InvariantCulture, $"""
            dataDirectory: {_dir.Path}
            redundancyLevel: 1
            components:
              - name: gateway
                checks:
                  - {"{"} type: tcp, host: 127.0.0.1, port: 9 {"}"}
            {redundancy}
            """));
        File.AppendAllText(path, redundancy.Length > 0 ? "" : string.Create(CultureInfo.InvariantCulture, $"""

            redundancy:
              services:
                - name: api
                  type: activeActive
                  capacity: {capacity}
                  host: h1
                  zone: z1
                  region: eu
                  replicas:
                    - {"{"} name: a0, pidFile: a0.pid {"}"}
                    - {"{"} name: a1, pidFile: a1.pid {"}"}
                    - {"{"} name: a2, pidFile: a2.pid {"}"}

            """));
        return path;
    }

    [Fact]
    public async Task Text_ReportsTheLevelReached_AndExits1WhenNotMet()
    {
        var (exit, stdout, stderr) = await CliRunner.RunAsync("redundancy", "-c", ConfigFile(capacity: 1));

        Assert.True(exit == 1, stdout + stderr);
        Assert.StartsWith("Redundancy: N+0 reached, N+1 required: NOT met", stdout, StringComparison.Ordinal);
        Assert.Contains("api      activeActive  1  1  1/3      N+0    no", stdout, StringComparison.Ordinal);
        Assert.Contains($"pid {Environment.ProcessId} running", stdout, StringComparison.Ordinal);
        Assert.Contains("pid 999999999 not running", stdout, StringComparison.Ordinal);
        Assert.Contains("no pid file", stdout, StringComparison.Ordinal);
        Assert.Contains("critical spof-service api: single point of failure", stdout, StringComparison.Ordinal);
        Assert.Contains("warning: no store at", stderr, StringComparison.Ordinal); // no `bulwark run`: no component state, said so
    }

    [Fact]
    public async Task Json_HasTheRecordsShape()
    {
        var (exit, stdout, _) = await CliRunner.RunAsync("redundancy", "-c", ConfigFile(capacity: 2), "--json");

        Assert.Equal(1, exit);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal((-1, 1, false), (root.GetProperty("level").GetInt32(), root.GetProperty("required").GetInt32(), root.GetProperty("met").GetBoolean()));
        var finding = root.GetProperty("findings")[0];
        Assert.Equal(("critical", "below-capacity", "api"), (finding.GetProperty("severity").GetString()?.ToLowerInvariant(), finding.GetProperty("kind").GetString(), finding.GetProperty("subject").GetString()));
        Assert.Equal(1, root.GetProperty("services")[0].GetProperty("healthy").GetInt32());
    }

    [Fact]
    public async Task Met_Exits0()
    {
        var path = ConfigFile(capacity: 1);
        File.WriteAllText(_dir.File("a1.pid"), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));

        var (exit, stdout, stderr) = await CliRunner.RunAsync("redundancy", "-c", path);

        Assert.True(exit == 0, stdout + stderr);
        Assert.StartsWith("Redundancy: N+1 reached, N+1 required: met", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoSection_OrBadSection_Exits2_NamingWhatIsWrong()
    {
        var path = ConfigFile(capacity: 1, redundancy: "checkIntervalSeconds: 5");
        var (exit, _, stderr) = await CliRunner.RunAsync("redundancy", "-c", path);
        Assert.Equal(2, exit);
        Assert.Contains("error: --config:", stderr, StringComparison.Ordinal);
        Assert.Contains("has no redundancy: section", stderr, StringComparison.Ordinal);

        (exit, _, stderr) = await CliRunner.RunAsync("redundancy", "-c", ConfigFile(capacity: 0));
        Assert.Equal(2, exit);
        Assert.Contains("redundancy.services[0].capacity: must be 1 to 1000", stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();
}
