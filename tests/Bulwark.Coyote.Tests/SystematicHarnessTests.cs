using Bulwark.Trading;
using Microsoft.Coyote.Rewriting;

namespace Bulwark.Coyote.Tests;

/// <summary>The harness can fail: the binaries are rewritten, and a known lost update is found.</summary>
public sealed class SystematicHarnessTests
{
    private int _counter;

    [Fact]
    public void TheCodeUnderTest_IsRewritten()
    {
        Assert.True(RewritingEngine.IsAssemblyRewritten(typeof(RiskGate).Assembly), "Bulwark.dll beside the tests is not rewritten");
        Assert.True(RewritingEngine.IsAssemblyRewritten(typeof(SystematicHarnessTests).Assembly));
    }

    [Fact]
    public void AKnownLostUpdate_IsFound()
    {
        var bugs = Systematic.CountBugs(async () =>
        {
            _counter = 0;
            await Task.WhenAll(Task.Run(Increment), Task.Run(Increment));
            Microsoft.Coyote.Specifications.Specification.Assert(Volatile.Read(ref _counter) == 2, "lost update");
        }, iterations: 200);
        Assert.True(bugs > 0, "Coyote did not find a read-then-write race: it is not exploring interleavings");
    }

    private void Increment()
    {
        var seen = Volatile.Read(ref _counter);
        Volatile.Write(ref _counter, seen + 1);
    }
}
