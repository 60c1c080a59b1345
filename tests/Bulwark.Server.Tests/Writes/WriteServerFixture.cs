namespace Bulwark.Server.Tests.Writes;

/// <summary>One trading server shared by a test class (starting one per test is slow on a shared machine).</summary>
public sealed class WriteServerFixture : IAsyncLifetime
{
    internal ServerHarness Harness { get; private set; } = null!;

    public async Task InitializeAsync() => Harness = await WriteServer.StartAsync();

    public async Task DisposeAsync() => await Harness.DisposeAsync();
}
