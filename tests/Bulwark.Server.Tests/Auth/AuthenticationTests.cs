using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using Bulwark.Server.Auth;

namespace Bulwark.Server.Tests.Auth;

/// <summary>Keys: wrong, malformed and revoked ones are 401 and counted; failures are rate-limited per address; keys are stored hashed.</summary>
public sealed class AuthenticationTests
{
    [Theory]
    [InlineData("bwk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "unknown API key", "invalid")]
    [InlineData("not-a-key", "not a Bulwark API key", "malformed")]
    public async Task AWrongKey_Is401_NamingWhy_AndCounted(string key, string why, string reason)
    {
        await using var harness = await ServerHarness.StartAsync();
        using var failures = new FailureCounter(harness);

        var problem = await Problem.ReadAsync(await harness.GetAsync("/api/v1/status", key), HttpStatusCode.Unauthorized);

        Assert.Contains(why, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, failures.Count(reason));
    }

    [Fact]
    public async Task NotBearer_Is401_Malformed()
    {
        await using var harness = await ServerHarness.StartAsync();
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/status");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", "YWxpY2U6c2VjcmV0");

        var problem = await Problem.ReadAsync(await harness.Client.SendAsync(request), HttpStatusCode.Unauthorized);

        Assert.Contains("must be 'Bearer KEY'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARevokedKey_Is401_AtOnceWhenNotUsedBefore_AndWithinTheCacheTimeWhenItWas()
    {
        await using var harness = await ServerHarness.StartAsync();
        var (_, unused) = await harness.Keys.AddAsync("unused", ApiRole.Viewer, "test");
        await harness.Keys.RevokeAsync("unused", "test");

        var problem = await Problem.ReadAsync(await harness.GetAsync("/api/v1/status", unused), HttpStatusCode.Unauthorized);
        Assert.Contains("'unused' is revoked", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var used = harness.Secrets[ApiRole.Viewer];
        await Problem.JsonAsync(await harness.GetAsync("/api/v1/status", used));
        Assert.NotNull(await harness.Keys.RevokeAsync("viewer-key", "test"));
        await Eventually.WaitUntilAsync(
            async () => (await harness.GetAsync("/api/v1/status", used)).StatusCode == HttpStatusCode.Unauthorized,
            ApiKeyAuthentication.CacheFor + TimeSpan.FromSeconds(10), "the revoked key refused");
    }

    [Fact]
    public async Task FailedAuthentications_AreLimitedPerAddress_ButAKeyThatWorkedFromThereStillDoes()
    {
        await using var harness = await ServerHarness.StartAsync(o => o.Server = new ServerOptions { AuthFailureLimit = 3, AuthFailureWindowSeconds = 600 });
        using var failures = new FailureCounter(harness);

        // The healthy engine on this host works; then another engine on the same address sends a wrong key, again and again.
        Assert.Equal(HttpStatusCode.OK, (await harness.GetAsync("/api/v1/status", ApiRole.Engine)).StatusCode);
        const string Wrong = "bwk_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
        for (var i = 0; i < 3; i++)
        {
            await Problem.ReadAsync(await harness.GetAsync("/api/v1/status", Wrong), HttpStatusCode.Unauthorized);
        }

        var limited = await harness.GetAsync("/api/v1/status", Wrong);
        var malformed = await harness.GetAsync("/api/v1/status", "not-a-key");
        var unseen = await harness.GetAsync("/api/v1/status", ApiRole.Admin); // a good key, but never used from here
        var healthy = await harness.GetAsync("/api/v1/status", ApiRole.Engine);

        await Problem.ReadAsync(limited, HttpStatusCode.TooManyRequests);
        await Problem.ReadAsync(malformed, HttpStatusCode.TooManyRequests);
        await Problem.ReadAsync(unseen, HttpStatusCode.TooManyRequests);
        Assert.InRange(unseen.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 600);
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        Assert.Equal(3, failures.Count("invalid"));
        Assert.Equal(3, failures.Count("limited"));

        // Still checked, not waved through: revoked, it is refused as revoked within the cache time.
        Assert.NotNull(await harness.Keys.RevokeAsync("engine-key", "test"));
        await Eventually.WaitUntilAsync(
            async () => (await harness.GetAsync("/api/v1/status", ApiRole.Engine)).StatusCode == HttpStatusCode.Unauthorized,
            ApiKeyAuthentication.CacheFor + TimeSpan.FromSeconds(10), "the revoked engine key refused");

        // Open endpoints stay open to a limited address: a load balancer's probe is not locked out.
        Assert.Equal(HttpStatusCode.OK, (await harness.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task KeysAreStoredAsTheirSha256_NeverThemselves()
    {
        await using var harness = await ServerHarness.StartAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var file = await File.ReadAllBytesAsync(ApiKeyStore.PathIn(harness.DataDirectory));

        foreach (var secret in harness.Secrets.Values)
        {
            Assert.Equal(-1, file.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(secret)));
            Assert.True(file.AsSpan().IndexOf(ApiKeySecret.Hash(secret)) >= 0, "the hash is what is stored");
        }

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ApiKeyStore.PathIn(harness.DataDirectory)));
        }
    }

    [Fact]
    public async Task AValidName_IsUniqueAmongValidKeys_AndFreeAgainOnceRevoked()
    {
        await using var harness = await ServerHarness.StartAsync();

        var duplicate = await Assert.ThrowsAsync<InvalidOperationException>(() => harness.Keys.AddAsync("viewer-key", ApiRole.Admin, "test"));
        Assert.Contains("exists already", duplicate.Message, StringComparison.Ordinal);

        await harness.Keys.RevokeAsync("viewer-key", "test");
        var (again, secret) = await harness.Keys.AddAsync("viewer-key", ApiRole.Viewer, "test");
        await Problem.JsonAsync(await harness.GetAsync("/api/v1/status", secret));
        Assert.Equal(2, (await harness.Keys.ListAsync()).Count(k => k.Name == again.Name));
    }

    /// <summary>Counts bulwark.server.auth.failures on this harness's own meter (other tests' systems run in parallel).</summary>
    private sealed class FailureCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, long> _counts = [];

        public FailureCounter(ServerHarness harness)
        {
            var meter = harness.System.Metrics.Meter;
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter, meter) && instrument.Name == "bulwark.server.auth.failures")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "reason")
                    {
                        lock (_counts)
                        {
                            _counts[(string)tag.Value!] = _counts.GetValueOrDefault((string)tag.Value!) + value;
                        }
                    }
                }
            });
            _listener.Start();
        }

        public long Count(string reason)
        {
            lock (_counts)
            {
                return _counts.GetValueOrDefault(reason);
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
