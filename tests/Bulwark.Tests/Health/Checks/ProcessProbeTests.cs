using System.Diagnostics;
using System.Globalization;
using Bulwark.Health.Checks;
using Bulwark.Tests.TestSupport;

namespace Bulwark.Tests.Health.Checks;

public sealed class ProcessProbeTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private static Process StartSleep() => Process.Start(new ProcessStartInfo("sleep", "600") { UseShellExecute = false })!;

    private string PidFile(int pid)
    {
        var path = _dir.File($"{Guid.NewGuid():N}.pid");
        File.WriteAllText(path, pid.ToString(CultureInfo.InvariantCulture) + "\n");
        return path;
    }

    [Fact]
    public async Task PidFileOfALiveProcess_IsHealthy_AndAfterTheKill_IsUnhealthy()
    {
        using var child = StartSleep();
        var probe = new ProcessProbe(PidFile(child.Id), processName: null);
        var alive = await probe.ProbeAsync(CancellationToken.None);
        Assert.Equal(CheckStatus.Healthy, alive.Status);
        Assert.Contains("sleep", alive.Description);

        child.Kill();
        await child.WaitForExitAsync();
        var dead = await probe.ProbeAsync(CancellationToken.None);
        Assert.Equal(CheckStatus.Unhealthy, dead.Status);
        Assert.Contains($"process {child.Id}", dead.Description);
    }

    [Fact]
    public async Task NameMustMatch_WhenGivenWithAPidFile()
    {
        using var child = StartSleep();
        try
        {
            Assert.Equal(CheckStatus.Healthy, (await new ProcessProbe(PidFile(child.Id), "sleep").ProbeAsync(CancellationToken.None)).Status);
            var wrong = await new ProcessProbe(PidFile(child.Id), "postgres").ProbeAsync(CancellationToken.None);
            Assert.Equal(CheckStatus.Unhealthy, wrong.Status);
            Assert.Contains("expected 'postgres'", wrong.Description);
        }
        finally
        {
            child.Kill();
        }
    }

    [Fact]
    public async Task NameAlone_FindsALiveProcess()
    {
        using var child = StartSleep();
        try
        {
            Assert.Equal(CheckStatus.Healthy, (await new ProcessProbe(null, "sleep").ProbeAsync(CancellationToken.None)).Status);
            Assert.Equal(CheckStatus.Unhealthy, (await new ProcessProbe(null, "no-such-proc-xyz").ProbeAsync(CancellationToken.None)).Status);
        }
        finally
        {
            child.Kill();
        }
    }

    [Fact]
    public async Task MissingOrGarbledPidFile_IsUnhealthy()
    {
        var missing = await new ProcessProbe(_dir.File("missing.pid"), null).ProbeAsync(CancellationToken.None);
        Assert.Equal(CheckStatus.Unhealthy, missing.Status);
        Assert.Contains("not found", missing.Description);

        var garbled = _dir.File("garbled.pid");
        await File.WriteAllTextAsync(garbled, "abc");
        var result = await new ProcessProbe(garbled, null).ProbeAsync(CancellationToken.None);
        Assert.Equal(CheckStatus.Unhealthy, result.Status);
        Assert.Contains("does not hold a process id", result.Description);
    }

    [Fact]
    public async Task Zombie_IsUnhealthy()
    {
        // The background child exits a second later, after `sh` has become `sleep 600` (exec), which
        // never reaps it: a zombie. (A child that exits before the exec may be reaped by `sh` itself.)
        using var parent = Process.Start(new ProcessStartInfo("sh", ["-c", "sleep 1 & echo $!; exec sleep 600"]) { RedirectStandardOutput = true, UseShellExecute = false })!;
        try
        {
            var zombiePid = int.Parse((await parent.StandardOutput.ReadLineAsync())!, CultureInfo.InvariantCulture);
            var probe = new ProcessProbe(PidFile(zombiePid), null);
            await Eventually.WaitUntilAsync(
                () => File.Exists($"/proc/{zombiePid}/stat") && File.ReadAllText($"/proc/{zombiePid}/stat").Contains(") Z", StringComparison.Ordinal),
                TimeSpan.FromSeconds(10),
                "child is a zombie");
            var result = await probe.ProbeAsync(CancellationToken.None);
            Assert.Equal(CheckStatus.Unhealthy, result.Status);
            Assert.Contains("zombie", result.Description);
        }
        finally
        {
            parent.Kill(entireProcessTree: true);
        }
    }

    [Theory]
    [InlineData("sleep", "sleep", true)]
    [InlineData("sleep", "sleeper", false)]
    [InlineData("QuickstartTarge", "QuickstartTarget", true)] // /proc/PID/comm keeps 15 characters
    [InlineData("QuickstartTarge", "QuickstartTarge", true)]
    [InlineData("Quickstart", "QuickstartTarget", false)]
    public void NameMatches_AllowsTheKernelsTruncation(string actual, string expected, bool matches) =>
        Assert.Equal(matches, ProcessTable.NameMatches(actual, expected));

    public void Dispose() => _dir.Dispose();
}
