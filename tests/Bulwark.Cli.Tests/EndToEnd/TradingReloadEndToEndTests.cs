using System.Text.Json;

namespace Bulwark.Cli.Tests.EndToEnd;

/// <summary>
/// `bulwark run` with a trading section, reloaded with SIGHUP: a valid change is applied and audited, an
/// invalid file is refused whole, a change the running gate cannot take is refused and audited.
/// </summary>
public sealed class TradingReloadEndToEndTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _dir = new();

    private static string Config(string maximumOrderQuantity, string accounts = "    - name: ACC1", string enabledChecks = "[maximumOrderQuantity, maximumOrderNotional]") => $"""
        checkIntervalSeconds: 0.5
        dataDirectory: .bulwark
        components:
          - name: self
            checks:
              - type: command
                command: "true"
        trading:
          enabledChecks: {enabledChecks}
          firm:
            maximumOrderQuantity: {maximumOrderQuantity}
            maximumOrderNotional: 1000000
          accounts:
        {accounts}
          strategies:
            - name: momo
          instruments:
            - symbol: XYZ
              tickSize: 0.01
        """;

    [Fact]
    public async Task Sighup_ReloadsTradingLimits_ValidatedWholeAndAudited()
    {
        var config = _dir.File("bulwark.yaml");
        await File.WriteAllTextAsync(config, Config("100"));
        await using var run = ChildProcess.StartDotnet("Bulwark.Cli.dll", _dir.Path, "run", "--config", config);
        await WaitForAsync(run, () => run.Stdout.Contains("watching", StringComparison.Ordinal), "run started");

        // A valid change: applied, audited with who and why.
        await File.WriteAllTextAsync(config, Config("200"));
        run.Signal(ChildProcess.SigHup);
        await WaitForAsync(run, () => run.Stdout.Contains("trading limits reloaded", StringComparison.Ordinal), "reload applied");
        var changed = Assert.Single(await EventsAsync("trading.limits_changed"));
        Assert.Contains("(SIGHUP)", changed.GetProperty("actor").GetString());
        Assert.Contains("configuration reload from", changed.GetProperty("cause").GetString());

        // An invalid file: refused whole, with the field named; nothing recorded as applied.
        await File.WriteAllTextAsync(config, Config("-5"));
        run.Signal(ChildProcess.SigHup);
        await WaitForAsync(run, () => run.Stderr.Contains("trading.firm.maximumOrderQuantity", StringComparison.Ordinal), "invalid reload refused");
        Assert.Contains("reload refused", run.Stderr);
        Assert.Single(await EventsAsync("trading.limits_changed"));

        // A change the running gate cannot take (a new account): refused and audited.
        await File.WriteAllTextAsync(config, Config("300", "    - name: ACC1\n    - name: ACC2"));
        run.Signal(ChildProcess.SigHup);
        await WaitForAsync(run, async () => (await EventsAsync("trading.limits_change_refused")).Count == 1, "refusal audited");
        Assert.Single(await EventsAsync("trading.limits_changed"));

        Assert.False(run.HasExited, run.Stderr);
        run.Terminate();
        Assert.Equal(0, await run.WaitForExitAsync(Deadline));
    }

    [Fact]
    public async Task Sighup_SentTheMomentTheReadyLineIsOut_IsAReload_NeverTheDefaultTermination()
    {
        // Once "watching" is printed a reload must be safe: the handler was registered after that line once, and a
        // SIGHUP sent in between hit the default action and killed the process. Here the signal goes from the
        // thread that reads the line, as early as any supervisor could send it.
        var config = _dir.File("bulwark.yaml");
        await File.WriteAllTextAsync(config, Config("100"));
        await using var run = ChildProcess.StartDotnet(
            "Bulwark.Cli.dll",
            _dir.Path,
            (child, line) =>
            {
                if (line.Contains("watching", StringComparison.Ordinal))
                {
                    child.Signal(ChildProcess.SigHup);
                }
            },
            "run",
            "--config",
            config);
        await WaitForAsync(run, () => run.Stdout.Contains("trading limits reloaded", StringComparison.Ordinal), "reload applied");
        run.Terminate();
        Assert.Equal(0, await run.WaitForExitAsync(Deadline));
    }

    [Theory]
    [InlineData("~")]
    [InlineData("null")]
    [InlineData("")]
    public async Task Sighup_EnabledChecksWithoutAValue_IsRefused_TheChecksInForceStay(string enabledChecks)
    {
        // Before: the reload was applied, and every configurable check was off with maximumOrderQuantity still set.
        var config = _dir.File("bulwark.yaml");
        await File.WriteAllTextAsync(config, Config("100"));
        await using var run = ChildProcess.StartDotnet("Bulwark.Cli.dll", _dir.Path, "run", "--config", config);
        await WaitForAsync(run, () => run.Stdout.Contains("watching", StringComparison.Ordinal), "run started");

        await File.WriteAllTextAsync(config, Config("100", enabledChecks: enabledChecks));
        run.Signal(ChildProcess.SigHup);
        await WaitForAsync(run, () => run.Stderr.Contains("trading.enabledChecks: must not be empty", StringComparison.Ordinal), "reload refused");
        Assert.Contains("reload refused", run.Stderr);
        Assert.DoesNotContain("trading limits reloaded", run.Stdout);
        Assert.Empty(await EventsAsync("trading.limits_changed"));

        run.Terminate();
        Assert.Equal(0, await run.WaitForExitAsync(Deadline));
    }

    private async Task<List<JsonElement>> EventsAsync(string kind)
    {
        var (exit, stdout, stderr) = await CliRunner.RunAsync("events", "--data-dir", Path.Combine(_dir.Path, ".bulwark"), "--kind", kind, "--json");
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        return doc.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    private static Task WaitForAsync(ChildProcess run, Func<bool> condition, string what) =>
        WaitForAsync(run, () => Task.FromResult(condition()), what);

    private static async Task WaitForAsync(ChildProcess run, Func<Task<bool>> condition, string what)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(Deadline.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (!await condition())
        {
            Assert.False(run.HasExited, $"bulwark run exited while waiting for: {what}\n{run.Stdout}\n{run.Stderr}");
            if (TimeProvider.System.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"not within {Deadline.TotalSeconds} s: {what}\n{run.Stdout}\n{run.Stderr}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    public void Dispose() => _dir.Dispose();
}
