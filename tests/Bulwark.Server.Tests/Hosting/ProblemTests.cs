using System.Net;
using System.Text;
using Bulwark.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Bulwark.Server.Tests.Hosting;

/// <summary>Every error is application/problem+json; a 500 never shows what failed inside; a bad body names the field.</summary>
public sealed class ProblemTests : IAsyncLifetime
{
    private const string Internals = "connection string Password=hunter2 at Bulwark.Secret.Method()";

    private ServerHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await ServerHarness.StartAsync(endpoints: app =>
    {
        app.MapGet("/test/throws", string () => throw new InvalidOperationException(Internals)).RequireRole(ApiRole.Viewer);
        app.MapPost("/test/body", (Order order) => Results.Ok(order)).RequireRole(ApiRole.Viewer);
    });

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task AnUnknownPath_Is404ProblemJson()
    {
        await Problem.ReadAsync(await _harness.GetAsync("/api/v1/nothing-here", ApiRole.Viewer), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AWrongMethod_Is405ProblemJson()
    {
        await Problem.ReadAsync(await _harness.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/api/v1/status"), _harness.Secrets[ApiRole.Viewer]), HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task AnException_Is500_SayingOnlyItsTraceId()
    {
        var response = await _harness.GetAsync("/test/throws", ApiRole.Viewer);

        var problem = await Problem.ReadAsync(response, HttpStatusCode.InternalServerError);
        var body = problem.GetRawText();
        Assert.DoesNotContain("hunter2", body, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Bulwark.Secret", body, StringComparison.Ordinal);
        Assert.Contains(problem.GetProperty("traceId").GetString()!, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"quantity\": \"ten\", \"symbol\": \"X\"}", "quantity")]
    [InlineData("{\"quantity\": 10, \"symbol\": 5}", "symbol")]
    [InlineData("{\"quantity\": 1e400, \"symbol\": \"X\"}", "quantity")]
    [InlineData("{\"quantity\": \"10\", \"symbol\": \"X\"}", "quantity")]
    [InlineData("{\"quantity\": 10.5, \"symbol\": \"X\"}", "quantity")]
    public async Task AFieldOfTheWrongType_Is400_NamingIt(string json, string field)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/test/body") { Content = new StringContent(json, Encoding.UTF8, "application/json") };

        var problem = await Problem.ReadAsync(await _harness.SendAsync(request, _harness.Secrets[ApiRole.Viewer]), HttpStatusCode.BadRequest);

        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.Contains($"'{field}'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedJson_Is400ProblemJson()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/test/body") { Content = new StringContent("{\"quantity\": ", Encoding.UTF8, "application/json") };

        var problem = await Problem.ReadAsync(await _harness.SendAsync(request, _harness.Secrets[ApiRole.Viewer]), HttpStatusCode.BadRequest);

        Assert.Contains("JSON", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWrongContentType_Is415ProblemJson()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/test/body") { Content = new StringContent("quantity=1", Encoding.UTF8, "text/plain") };

        await Problem.ReadAsync(await _harness.SendAsync(request, _harness.Secrets[ApiRole.Viewer]), HttpStatusCode.UnsupportedMediaType);
    }

    private sealed record Order(int Quantity, string Symbol);
}
