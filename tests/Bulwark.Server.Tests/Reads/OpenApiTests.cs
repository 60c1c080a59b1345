using System.Text.Json;

namespace Bulwark.Server.Tests.Reads;

/// <summary>The OpenAPI document lists every endpoint.</summary>
public sealed class OpenApiTests
{
    [Fact]
    public async Task TheDocument_ListsEveryEndpoint()
    {
        await using var harness = await ServerHarness.StartAsync();

        var document = await Problem.JsonAsync(await harness.GetAsync("/openapi/v1.json"));

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
        string[] expected =
        [
            "/healthz", "/readyz", "/api/v1/status", "/api/v1/components", "/api/v1/sla", "/api/v1/incidents", "/api/v1/failovers",
            "/api/v1/recoveries", "/api/v1/redundancy", "/api/v1/drills", "/api/v1/limits", "/api/v1/events", "/api/v1/stream",
        ];
        Assert.All(expected, path => Assert.Contains(path, paths));
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);

        // The keys' scheme, and on a read the role it needs; the open endpoints ask for none.
        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString());
        var status = document.GetProperty("paths").GetProperty("/api/v1/status").GetProperty("get");
        Assert.True(status.GetProperty("security")[0].TryGetProperty("bearer", out _));
        Assert.StartsWith("Needs a key of the viewer role", status.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.False(document.GetProperty("paths").GetProperty("/healthz").GetProperty("get").TryGetProperty("security", out _));
    }
}
