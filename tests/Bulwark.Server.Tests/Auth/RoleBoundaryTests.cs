using System.Net;
using Bulwark.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Bulwark.Server.Tests.Auth;

/// <summary>The role policies on the real host: no key 401, a weak role 403 naming the role needed, enough 200.</summary>
public sealed class RoleBoundaryTests : IAsyncLifetime
{
    private ServerHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await ServerHarness.StartAsync(endpoints: app =>
    {
        // One endpoint per role, exactly as the write endpoints put their policies on.
        foreach (var role in ApiRoles.All)
        {
            app.MapGet("/test/" + ApiRoles.Name(role), (HttpContext context) => Results.Ok(new { caller = ApiCaller.From(context)!.Actor })).RequireRole(role);
        }
    });

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    /// <summary>Every (held, needed) pair of roles, by name, and whether the held one may.</summary>
    public static TheoryData<string, string, bool> Matrix()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var held in ApiRoles.All)
        {
            foreach (var needed in ApiRoles.All)
            {
                data.Add(ApiRoles.Name(held), ApiRoles.Name(needed), held >= needed);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task EachRole_ReachesWhatItsRankAllows_AndIsRefused403Above(string heldName, string neededName, bool allowed)
    {
        Assert.True(ApiRoles.TryParse(heldName, out var held));
        Assert.True(ApiRoles.TryParse(neededName, out var needed));
        var response = await _harness.GetAsync("/test/" + ApiRoles.Name(needed), held);

        if (allowed)
        {
            var body = await Problem.JsonAsync(response);
            Assert.StartsWith(ApiRoles.Name(held) + "-key (key ", body.GetProperty("caller").GetString(), StringComparison.Ordinal);
        }
        else
        {
            var problem = await Problem.ReadAsync(response, HttpStatusCode.Forbidden);
            Assert.Contains($"needs the {ApiRoles.Name(needed)} role", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Contains($"has the {ApiRoles.Name(held)} role", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AnEngineKey_IsNotAnOperator()
    {
        // The kill switch's release needs operator: an engine key must never pass that policy.
        await Problem.ReadAsync(await _harness.GetAsync("/test/operator", ApiRole.Engine), HttpStatusCode.Forbidden);
        await Problem.JsonAsync(await _harness.GetAsync("/test/engine", ApiRole.Operator));
    }

    [Theory]
    [InlineData("viewer")]
    [InlineData("admin")]
    public async Task NoKey_Is401_WithABearerChallenge(string role)
    {
        var response = await _harness.GetAsync("/test/" + role);

        var problem = await Problem.ReadAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains("Authorization: Bearer KEY", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
