using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Bulwark.Cli.Tests.EndToEnd;

/// <summary>
/// `bulwark run` serves the HTTP API: on the port it is given (here a free one), with the keys `bulwark keys add` made
/// while it runs; a port in use is a one-line error, not a crash; `server.enabled: false` serves nothing.
/// </summary>
public sealed partial class ServerEndToEndTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _dir = new();

    private static string Config(string server = "") => $"""
        checkIntervalSeconds: 0.5
        dataDirectory: .bulwark
        components:
          - name: self
            checks:
              - type: command
                command: "true"
        {server}
        """;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Run_ServesTheApi_WithAKeyAddedWhileItRuns()
    {
        var config = _dir.File("bulwark.yaml");
        await File.WriteAllTextAsync(config, Config());
        await using var run = ChildProcess.StartDotnet("Bulwark.Cli.dll", _dir.Path, "run", "--config", config);
        await Eventually.WaitUntilAsync(() => Task.FromResult(run.Stdout.Contains("watching", StringComparison.Ordinal) || run.HasExited), Deadline, () => run.Stdout + run.Stderr);
        var url = ServingLine().Match(run.Stdout) is { Success: true } match ? match.Groups[1].Value : throw new Xunit.Sdk.XunitException("no serving line: " + run.Stdout + run.Stderr);
        using var http = new HttpClient { BaseAddress = new Uri(url) };

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/v1/status")).StatusCode);

        var (exit, stdout, stderr) = await CliRunner.RunAsync("keys", "add", "--role", "viewer", "--name", "ci", "--json", "--data-dir", _dir.File(".bulwark"));
        Assert.True(exit == 0, stderr);
        var key = JsonDocument.Parse(stdout).RootElement.GetProperty("key").GetString();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/status");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var status = await http.SendAsync(request);
        Assert.True(status.StatusCode == HttpStatusCode.OK, await status.Content.ReadAsStringAsync());
        Assert.Equal("self", JsonDocument.Parse(await status.Content.ReadAsStringAsync()).RootElement.GetProperty("components")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task APortInUse_IsAOneLineError_AndTheSystemStopsCleanly()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var config = _dir.File("bulwark.yaml");
        await File.WriteAllTextAsync(config, Config());

        var (exit, _, stderr) = await CliRunner.RunAsync("run", "--config", config, "--urls", $"http://127.0.0.1:{port}");

        Assert.Equal(ExitCodes.Failure, exit);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: cannot serve the HTTP API on http://127.0.0.1:{port}", line, StringComparison.Ordinal);
        Assert.Contains("--urls", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1:1", "--urls: 'ftp://127.0.0.1:1' is not an http:// or https:// URL")]
    [InlineData("https://127.0.0.1:0", "--urls: an https:// URL needs a certificate")]
    public async Task ABadUrlsOption_Exits2_NamingIt(string urls, string message)
    {
        var config = _dir.File("bulwark.yaml");
        await File.WriteAllTextAsync(config, Config());

        var (exit, _, stderr) = await CliRunner.RunAsync("run", "--config", config, "--urls", urls);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.StartsWith(message, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunJson_SaysWhereItListens_AsAJsonLine()
    {
        var config = _dir.File("bulwark.yaml");
        await File.WriteAllTextAsync(config, Config());
        await using var run = ChildProcess.StartDotnet("Bulwark.Cli.dll", _dir.Path, "run", "--config", config, "--json");
        var line = await Eventually.ValueAsync(
            () => run.Stdout.Split('\n').FirstOrDefault(l => l.Contains("server.listening", StringComparison.Ordinal)), Deadline, "the listening line");

        var url = JsonDocument.Parse(line!).RootElement.GetProperty("urls")[0].GetString()!;
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(new Uri(url), "/healthz"))).StatusCode);
    }

    [Fact]
    public async Task ServerEnabledFalse_ServesNothing()
    {
        var config = _dir.File("bulwark.yaml");
        await File.WriteAllTextAsync(config, Config("server:\n  enabled: false"));
        await using var run = ChildProcess.StartDotnet("Bulwark.Cli.dll", _dir.Path, "run", "--config", config);
        await Eventually.WaitUntilAsync(() => Task.FromResult(run.Stdout.Contains("watching", StringComparison.Ordinal) || run.HasExited), Deadline, () => run.Stdout + run.Stderr);

        Assert.DoesNotContain("serving the HTTP API", run.Stdout, StringComparison.Ordinal);
        Assert.False(run.HasExited, run.Stderr);
    }

    [GeneratedRegex(@"serving the HTTP API on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ServingLine();
}
