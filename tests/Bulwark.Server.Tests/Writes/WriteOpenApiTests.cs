namespace Bulwark.Server.Tests.Writes;

/// <summary>The OpenAPI document lists every write and gate endpoint with its JSON request body and its problems.</summary>
public sealed class WriteOpenApiTests(WriteServerFixture fixture) : IClassFixture<WriteServerFixture>
{
    [Theory]
    [InlineData("/api/v1/kill-switch", "post")]
    [InlineData("/api/v1/incidents/{id}/ack", "post")]
    [InlineData("/api/v1/incidents/{id}/resolve", "post")]
    [InlineData("/api/v1/failover/switchover", "post")]
    [InlineData("/api/v1/recoveries", "post")]
    [InlineData("/api/v1/drills", "post")]
    [InlineData("/api/v1/limits", "put")]
    [InlineData("/api/v1/orders/check", "post")]
    [InlineData("/api/v1/executions", "post")]
    [InlineData("/api/v1/marks", "post")]
    public async Task EveryWrite_IsDocumented_WithItsBodyAndProblems(string path, string method)
    {
        var document = await Problem.JsonAsync(await fixture.Harness.GetAsync("/openapi/v1.json"));

        var operation = document.GetProperty("paths").GetProperty(path).GetProperty(method);
        Assert.True(operation.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _), operation.ToString());
        var responses = operation.GetProperty("responses");
        foreach (var status in new[] { "200", "400", "401", "403", "413", "415" })
        {
            Assert.True(responses.TryGetProperty(status, out _), $"{method} {path} documents no {status}");
        }
    }
}
