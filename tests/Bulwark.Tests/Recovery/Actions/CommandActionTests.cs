using System.Net;
using Bulwark.Recovery;
using Bulwark.Recovery.Actions;
using Bulwark.Tests.TestSupport;

namespace Bulwark.Tests.Recovery.Actions;

/// <summary>command, systemctl, http and signal actions against real processes and a real HTTP listener.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CommandActionTests : IDisposable
{
    private static readonly ActionContext Automatic = new(Manual: false);
    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task Command_ExitZero_Succeeds_WithItsOutput()
    {
        var output = await new CommandAction("sh", ["-c", "echo repaired"]).RunAsync(Automatic, CancellationToken.None);
        Assert.Equal("exit code 0: repaired", output);
    }

    [Fact]
    public async Task Command_NonZeroExit_Fails_WithTheExitCodeAndBoundedOutput()
    {
        var error = await Assert.ThrowsAsync<RecoveryActionException>(() =>
            new CommandAction("sh", ["-c", "head -c 100000 /dev/zero | tr '\\0' y; echo; echo broken >&2; exit 7"]).RunAsync(Automatic, CancellationToken.None));

        Assert.Contains("exit code 7", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Output);
        Assert.True(error.Output.Length <= RecoveryLimits.OutputTail, $"output of {error.Output.Length} characters");
        Assert.EndsWith("broken", error.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Command_Cancelled_KillsItsWholeTree()
    {
        var pidFile = _temp.File("grandchild.pid");
        using var cts = new CancellationTokenSource();
        var run = new CommandAction("sh", ["-c", $"sleep 300 & echo $! > {pidFile}; wait"]).RunAsync(Automatic, cts.Token);
        await Eventually.WaitUntilAsync(() => File.Exists(pidFile) && File.ReadAllText(pidFile).Trim().Length > 0, TimeSpan.FromSeconds(10), "the grandchild started");
        var grandchild = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        await Eventually.WaitUntilAsync(() => Bulwark.Health.Checks.ProcessTable.Inspect(grandchild) is null or { Exited: true }, TimeSpan.FromSeconds(10), "the grandchild was killed");
    }

    [Fact]
    public async Task Systemctl_IssuesRestartOfTheUnit()
    {
        // No systemd here: a stand-in systemctl records the command line it was given.
        var record = _temp.File("issued.txt");
        var standIn = _temp.File("systemctl");
        File.WriteAllText(standIn, $"#!/bin/sh\necho \"$@\" > {record}\n");
        File.SetUnixFileMode(standIn, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var action = new SystemctlAction("order-gateway@2.service", standIn);
        await action.RunAsync(Automatic, CancellationToken.None);

        Assert.Equal("restart order-gateway@2.service", File.ReadAllText(record).Trim());
        Assert.Equal($"{standIn} restart order-gateway@2.service", action.Describe());
        Assert.Equal("systemctl restart gw.service", new SystemctlAction("gw.service").Describe());
    }

    [Fact]
    public async Task Http_SendsMethodAndBody_AndJudgesTheStatus()
    {
        await using var server = await StubServer.StartAsync();
        using var http = new HttpClient();

        var output = await new HttpAction(http, "POST", server.Url("/cache/flush"), "{\"all\":true}", "200-299").RunAsync(Automatic, CancellationToken.None);

        Assert.Contains("200", output, StringComparison.Ordinal);
        Assert.Equal(("POST", "/cache/flush", "{\"all\":true}", "application/json"), server.Last);
        var error = await Assert.ThrowsAsync<RecoveryActionException>(() =>
            new HttpAction(http, "GET", server.Url("/missing"), null, "200").RunAsync(Automatic, CancellationToken.None));
        Assert.Contains("404", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signal_FromPidFile_ReachesTheProcess()
    {
        var marker = _temp.File("reloaded");
        var pidFile = _temp.File("daemon.pid");

        // The trap before the pid: a SIGHUP that came between them would kill the shell (CI saw it once).
        await using var daemon = StartShell($"trap 'echo reloaded > {marker}' HUP; echo $$ > {pidFile}; while true; do sleep 0.05; done");
        await Eventually.WaitUntilAsync(() => File.Exists(pidFile) && File.ReadAllText(pidFile).Trim().Length > 0, TimeSpan.FromSeconds(10), "the daemon wrote its pid");

        var output = await SignalAction.ToPidFile(Signals.Hup, pidFile).RunAsync(Automatic, CancellationToken.None);

        Assert.Contains("SIGHUP sent to pid", output, StringComparison.Ordinal);
        await Eventually.WaitUntilAsync(() => File.Exists(marker), TimeSpan.FromSeconds(10), "the daemon handled SIGHUP");
    }

    [Fact]
    public async Task Signal_ToAPidFileWithoutAProcessId_Fails()
    {
        File.WriteAllText(_temp.File("bad.pid"), "0");
        await Assert.ThrowsAsync<RecoveryActionException>(() => SignalAction.ToPidFile(Signals.Hup, _temp.File("bad.pid")).RunAsync(Automatic, CancellationToken.None));
    }

    private static ShellProcess StartShell(string script) => new(System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sh") { ArgumentList = { "-c", script }, UseShellExecute = false })!);

    public void Dispose() => _temp.Dispose();

    private sealed class ShellProcess(System.Diagnostics.Process process) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
        }
    }

    /// <summary>A real HTTP listener on 127.0.0.1 that records the last request.</summary>
    private sealed class StubServer : IAsyncDisposable
    {
        private readonly HttpListener _listener;
        private readonly Task _loop;
        private readonly int _port;

        private StubServer(HttpListener listener, int port)
        {
            _listener = listener;
            _port = port;
            _loop = Task.Run(LoopAsync);
        }

        public (string Method, string Path, string Body, string? ContentType) Last { get; private set; }

        public Uri Url(string path) => new($"http://127.0.0.1:{_port}{path}");

        public static Task<StubServer> StartAsync()
        {
            var (probe, port) = TestSystems.Listen();
            probe.Stop();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            listener.Start();
            return Task.FromResult(new StubServer(listener, port));
        }

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                using var reader = new StreamReader(context.Request.InputStream);
                var body = await reader.ReadToEndAsync();
                Last = (context.Request.HttpMethod, context.Request.Url!.AbsolutePath, body, context.Request.ContentType?.Split(';')[0]);
                context.Response.StatusCode = context.Request.Url.AbsolutePath == "/missing" ? 404 : 200;
                await context.Response.OutputStream.WriteAsync("flushed"u8.ToArray());
                context.Response.Close();
            }
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            _listener.Close();
            await _loop;
        }
    }
}
