using System.Net;
using Bulwark.Server.Auth;

namespace Bulwark.Server.Tests.Reads;

/// <summary>GET /api/v1/status: 401 without a key, 200 for every role, the live states, and unconfigured parts saying so.</summary>
public sealed class StatusTests
{
    [Fact]
    public async Task Status_Is401WithoutAKey_And200WithEveryRole()
    {
        await using var harness = await ServerHarness.StartAsync();

        await Problem.ReadAsync(await harness.GetAsync("/api/v1/status"), HttpStatusCode.Unauthorized);
        foreach (var role in ApiRoles.All)
        {
            await Problem.JsonAsync(await harness.GetAsync("/api/v1/status", role));
        }
    }

    [Fact]
    public async Task Status_ShowsTheLiveStates_AndSaysWhatIsNotConfigured()
    {
        await using var harness = await ServerHarness.StartAsync();
        harness.Beat();
        await Eventually.WaitUntilAsync(() => harness.System.Manager.SystemState == SafetyState.Healthy, TimeSpan.FromSeconds(30), "healthy");

        var status = await Problem.JsonAsync(await harness.GetAsync("/api/v1/status", ApiRole.Viewer));

        Assert.Equal("Healthy", status.GetProperty("system").GetProperty("state").GetString());
        var engine = status.GetProperty("components").EnumerateArray().Single();
        Assert.Equal("engine", engine.GetProperty("name").GetString());
        Assert.Equal("Healthy", engine.GetProperty("state").GetString());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, engine.GetProperty("lastCheckAt").ValueKind);
        Assert.Equal("beat", engine.GetProperty("checks")[0].GetProperty("name").GetString());
        Assert.False(status.GetProperty("trading").GetProperty("configured").GetBoolean());
        Assert.False(status.GetProperty("failover").GetProperty("configured").GetBoolean());
    }
}
