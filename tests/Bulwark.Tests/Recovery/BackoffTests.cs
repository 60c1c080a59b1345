using Bulwark.Recovery;
using CsCheck;

namespace Bulwark.Tests.Recovery;

/// <summary>The restart delay against its reference: first delay doubled per quick failure, capped, spread by the jitter (to a tick: TimeSpan holds 100 ns).</summary>
public sealed class BackoffTests
{
    [Fact]
    public void Delay_IsTheCappedDoubling_SpreadByAtMostTheJitter() =>
        Gen.Select(Gen.Double[0.01, 5], Gen.Double[0, 0.99], Gen.Int[0, 40], Gen.Double[0, 0.999999], Gen.Double[1, 60]).Sample((first, jitter, failures, random, cap) =>
        {
            var options = new SupervisedProcessOptions { RestartDelaySeconds = first, MaxRestartDelaySeconds = Math.Max(first, cap), RestartJitter = jitter };
            var delay = Backoff.Delay(options, failures, random).TotalSeconds;
            var reference = Math.Min(options.MaxRestartDelaySeconds, first * Math.Pow(2, Math.Max(0, failures - 1)));
            return delay <= options.MaxRestartDelaySeconds + 1e-6
                && delay >= reference * (1 - jitter) - 1e-6
                && delay <= reference * (1 + jitter) + 1e-6;
        });

    [Fact]
    public void Delay_FirstRestart_IsSystemdsRestartSec()
    {
        var options = new SupervisedProcessOptions();
        Assert.Equal(TimeSpan.FromMilliseconds(100), Backoff.Delay(options, 1, 0.5));
        Assert.Equal(TimeSpan.FromMilliseconds(400), Backoff.Delay(options, 3, 0.5));
        Assert.Equal(TimeSpan.FromSeconds(30), Backoff.Delay(options, 30, 0.5));
        Assert.Equal(TimeSpan.FromMilliseconds(90), Backoff.Delay(options, 1, 0));
    }
}

/// <summary>Which pid files belong to a process: names may hold dots, so a prefix is not enough.</summary>
public sealed class PidFileNameTests
{
    [Theory]
    [InlineData("web", "/d/web.0.pid", true)]
    [InlineData("web", "/d/web.12.pid", true)]
    [InlineData("web", "/d/web.api.0.pid", false)]
    [InlineData("web.api", "/d/web.api.0.pid", true)]
    [InlineData("web", "/d/web..pid", false)]
    [InlineData("web", "/d/web.0.pid.tmp", false)]
    public void IsPidFileOf_MatchesNameDotIndexOnly(string process, string path, bool expected) =>
        Assert.Equal(expected, ProcessSupervisor.IsPidFileOf(process, path));
}
