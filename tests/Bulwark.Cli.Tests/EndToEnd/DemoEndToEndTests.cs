using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Bulwark.Cli.Tests.EndToEnd;

/// <summary>
/// `bulwark demo` as a newcomer runs it, with real processes: it serves the dashboard on the port it is given, the
/// engines trade through the server's gate (its positions move), a failover drill through the API passes with a
/// measured recovery time, the kill switch halts trading and the engine cancels its working orders, and after SIGTERM
/// the demo and every process it started are gone.
/// </summary>
public sealed partial class DemoEndToEndTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Demo_ServesTheDashboard_TradesThroughTheGate_DrillsAFailover_CancelsOnTheKillSwitch_AndLeavesNothingBehind()
    {
        var repository = Bulwark.Cli.Commands.Demo.DemoCommand.FindRepository() ?? throw new InvalidOperationException("no Bulwark.slnx above the test");
        var dataDir = _dir.File("demo");
        var port = FreePort();
        await using var demo = ChildProcess.StartDotnet("Bulwark.Cli.dll", _dir.Path,
            "demo", "--data-dir", dataDir, "--urls", $"http://127.0.0.1:{port}", "--repository", repository, "--rate", "5");
        var started = new List<int>();
        try
        {
            await Eventually.WaitUntilAsync(() => Task.FromResult(demo.Stdout.Contains("Ctrl-C to stop", StringComparison.Ordinal) || demo.HasExited), Deadline,
                () => demo.Stdout + demo.Stderr);
            Assert.False(demo.HasExited, demo.Stdout + demo.Stderr);
            var url = Dashboard().Match(demo.Stdout).Groups[1].Value;
            Assert.Equal($"http://127.0.0.1:{port}", url);
            var viewer = Key("viewer").Match(demo.Stdout).Groups[1].Value;
            var operatorKey = Key("operator").Match(demo.Stdout).Groups[1].Value;
            using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(20) };

            using (var page = await http.GetAsync("/dashboard/"))
            {
                Assert.Equal(HttpStatusCode.OK, page.StatusCode);
                Assert.Contains("dashboard.js", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            // The leading engine trades: its orders pass the server's gate and the venue counts them sent.
            var status = await Eventually.ValueAsync(() => Get(http, viewer, "/api/v1/status").GetAwaiter().GetResult() is { } s &&
                s.GetProperty("trading").GetProperty("state").GetString() == "Active" &&
                s.GetProperty("components").EnumerateArray().All(c => c.GetProperty("state").GetString() == "Healthy") ? s.ToString() : null, Deadline, "trading Active and every component Healthy");
            Assert.Contains("\"trader\"", status, StringComparison.Ordinal);
            await Eventually.WaitUntilAsync(() => Task.FromResult(Directory.GetFiles(Path.Combine(dataDir, "processes"), "trader.*.log")
                .Any(f => ReadShared(f).Contains("sent=", StringComparison.Ordinal) && SentSome().IsMatch(ReadShared(f)))), Deadline,
                () => string.Join("\n", Directory.GetFiles(Path.Combine(dataDir, "processes"), "*.log").Select(f => f + ":\n" + ReadShared(f)[^Math.Min(ReadShared(f).Length, 600)..])));
            started.AddRange(Pids(dataDir));

            // A failover drill through the API: the leader killed, a new one under a larger token, the time measured.
            JsonElement result = default;
            await Eventually.WaitUntilAsync(async () =>
            {
                var operation = await PostAsync(http, operatorKey, "/api/v1/drills", """{"plan":"failover:engines","reason":"demo end-to-end test","force":true}""");
                var id = operation.GetProperty("id").GetString();
                JsonElement done = default;
                await Eventually.WaitUntilAsync(async () =>
                {
                    done = (await Get(http, operatorKey, $"/api/v1/operations/{id}"))!.Value;
                    return done.GetProperty("status").GetString() != "running";
                }, Deadline, () => $"drill {id} finished; last: {done}");
                result = done;
                return done.GetProperty("status").GetString() == "succeeded";
            }, Deadline, () => "a passing drill; last: " + result);
            var drill = result.GetProperty("result");
            var recovery = drill.GetProperty("recoverySeconds").GetDouble();
            Assert.InRange(recovery, 0.001, 30);
            Assert.True(drill.GetProperty("tokenAfter").GetInt64() > drill.GetProperty("tokenBefore").GetInt64());
            await Eventually.WaitUntilAsync(() => Task.FromResult(Pids(dataDir).Count == 3), Deadline, "the killed leader restarted");
            started.AddRange(Pids(dataDir));

            // The kill switch: with orders resting at the venue (the new leader's, and the old one's it took over through
            // the journal), an operator engages it; trading halts and the engine cancels every working order, so the
            // server's gate holds none.
            await Eventually.WaitUntilAsync(async () => WorkingOrders(await Get(http, viewer, "/api/v1/positions")) > 0, Deadline, "orders resting at the venue");
            await PostAsync(http, operatorKey, "/api/v1/kill-switch", """{"scope":"firm","engage":true,"reason":"demo end-to-end test"}""");
            JsonElement? positions = null;
            await Eventually.WaitUntilAsync(async () =>
            {
                positions = await Get(http, viewer, "/api/v1/positions");
                var trading = (await Get(http, viewer, "/api/v1/status"))?.GetProperty("trading").GetProperty("state").GetString();
                return trading == "Halted" && WorkingOrders(positions) == 0;
            }, Deadline, () => $"trading Halted and no working order; positions: {positions}");
            Assert.Contains(Directory.GetFiles(Path.Combine(dataDir, "processes"), "trader.*.log"), f => CancelAll().IsMatch(ReadShared(f)));
        }
        finally
        {
            started.AddRange(Pids(dataDir));
            demo.Terminate();
            Assert.Equal(0, await demo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }

        // Nothing it started runs on: not one pid it wrote, and no process naming its data directory.
        Assert.True(started.Count >= 3, "pids seen: " + string.Join(", ", started));
        await Eventually.WaitUntilAsync(() => Task.FromResult(started.Distinct().All(pid => !Alive(pid)) && StillNaming(dataDir).Count == 0), TimeSpan.FromSeconds(30),
            () => "still running: " + string.Join(", ", started.Distinct().Where(Alive)) + " / naming the data directory: " + string.Join(", ", StillNaming(dataDir)));
        Assert.Contains("bulwark: stopped", demo.Stdout, StringComparison.Ordinal);
    }

    private static async Task<JsonElement?> Get(HttpClient http, string key, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await http.SendAsync(request);
        return response.IsSuccessStatusCode ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone() : null;
    }

    private static int WorkingOrders(JsonElement? positions) =>
        positions is { } p && p.TryGetProperty("workingOrders", out var working) && working.ValueKind == JsonValueKind.Number ? working.GetInt32() : -1;

    private static async Task<JsonElement> PostAsync(HttpClient http, string key, string path, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static List<int> Pids(string dataDir) =>
        Directory.Exists(Path.Combine(dataDir, "processes"))
            ? Directory.GetFiles(Path.Combine(dataDir, "processes"), "*.pid").Select(f => int.TryParse(ReadShared(f).Trim(), out var pid) ? pid : 0).Where(p => p > 0).ToList()
            : [];

    private static bool Alive(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat))
        {
            return false;
        }

        try
        {
            var text = File.ReadAllText(stat);
            return text[(text.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static List<int> StillNaming(string dataDir)
    {
        var found = new List<int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && pid != Environment.ProcessId)
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(dataDir, StringComparison.Ordinal) && Alive(pid))
                    {
                        found.Add(pid);
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // gone, or not ours to read
                }
            }
        }

        return found;
    }

    private static string ReadShared(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Regex Key(string role) => new($@"^{role} key:\s+(bwk_\S+)", RegexOptions.Multiline);

    [GeneratedRegex(@"^dashboard:\s+(\S+)/dashboard/", RegexOptions.Multiline)]
    private static partial Regex Dashboard();

    [GeneratedRegex(@"^cancel-all reason=KillSwitchEngaged .* cancelled=[1-9]", RegexOptions.Multiline)]
    private static partial Regex CancelAll();

    [GeneratedRegex(@"total_sent=[1-9]")]
    private static partial Regex SentSome();
}
