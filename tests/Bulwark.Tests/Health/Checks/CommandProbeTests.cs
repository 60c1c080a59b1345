using System.Globalization;
using Bulwark.Health.Checks;
using Bulwark.Tests.TestSupport;

namespace Bulwark.Tests.Health.Checks;

public sealed class CommandProbeTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task ExitZero_IsHealthy_AndNonZero_IsUnhealthyWithItsOutput()
    {
        Assert.Equal(CheckStatus.Healthy, (await new CommandProbe("true", []).ProbeAsync(CancellationToken.None)).Status);

        var failed = await new CommandProbe("sh", ["-c", "echo 'disk 97% full' >&2; exit 3"]).ProbeAsync(CancellationToken.None);
        Assert.Equal(CheckStatus.Unhealthy, failed.Status);
        Assert.Equal("exit code 3: disk 97% full", failed.Description);
    }

    [Fact]
    public async Task ArgumentsArePassedAsTheyAre_WithoutAShell()
    {
        var result = await new CommandProbe("sh", ["-c", "test \"$1\" = 'a b;c'", "sh", "a b;c"]).ProbeAsync(CancellationToken.None);
        Assert.Equal(CheckStatus.Healthy, result.Status);
    }

    [Fact]
    public async Task MissingCommand_IsUnhealthy()
    {
        var result = await new CommandProbe("/nonexistent/bulwark-check", []).ProbeAsync(CancellationToken.None);
        Assert.Equal(CheckStatus.Unhealthy, result.Status);
        Assert.Contains("cannot start '/nonexistent/bulwark-check'", result.Description);
    }

    [Fact]
    public async Task Timeout_KillsTheWholeProcessTree()
    {
        var pidFile = _dir.File("grandchild.pid");
        // The shell starts a grandchild and waits on it: killing only the shell would leave it running.
        var probe = new CommandProbe("sh", ["-c", $"sleep 600 & echo $! > {pidFile}; wait"]);
        using var timeout = new CancellationTokenSource();
        var run = probe.ProbeAsync(timeout.Token).AsTask();
        await Eventually.WaitUntilAsync(() => File.Exists(pidFile) && new FileInfo(pidFile).Length > 0, TimeSpan.FromSeconds(10), "grandchild started");
        var grandchild = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);
        Assert.True(Directory.Exists($"/proc/{grandchild}"));

        await timeout.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        await Eventually.WaitUntilAsync(() => ProcessTable.Inspect(grandchild) is null or { Exited: true }, TimeSpan.FromSeconds(10), "grandchild killed");
    }

    public void Dispose() => _dir.Dispose();
}
