using System.Text;
using System.Text.Json;
using Bulwark.Server.Auth;
using CsCheck;

namespace Bulwark.Server.Tests.Writes;

/// <summary>
/// A bounded random sample of bodies per write and gate endpoint (objects of the endpoint's own fields and random ones
/// with values of every JSON kind, raw numbers beyond double and long, truncated valid bodies, raw garbage): never a
/// 5xx, every 4xx is application/problem+json, and the server still answers afterwards.
/// </summary>
public sealed class NoServerErrorTests(BadInputTests.Fixture fixture) : IClassFixture<BadInputTests.Fixture>
{
    /// <summary>Bodies per endpoint: enough to reach every field's checks, bounded for a shared machine.</summary>
    private const int Samples = 60;

    // Values that pass some checks, so samples get past the first one; none that would start long work (a drillable
    // zone, the failover group: a switchover waits seconds for a replica that is not there).
    private static readonly string[] Words =
        ["firm", "account:ACC1", "symbol:XYZ", "strategy:momo", "ACC1", "momo", "XYZ", "buy", "sell", "limit", "market", "ack", "fill", "cancel", "reject",
         "noop", "zone:nowhere", "failover:none", "kill", "", " ", "\u0000", "NaN", "Infinity", "1e400", "null", "account:", "é", new string('z', 1500)];

    private static readonly string[] Numbers =
        ["0", "-0", "1", "-1", "10", "2.5", "1e15", "1000000000000001", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
         "1e400", "-1e400", "1e-400", "0.1e1", "123456789012345678901234567890", "3.0"];

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var endpoint in BadInputTests.Endpoints)
        {
            data.Add(endpoint.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task RandomBodies_NeverGetA5xx(string endpoint)
    {
        var harness = fixture.Harness;
        var (_, method, path, valid, role) = BadInputTests.Endpoints.Single(e => e.Name == endpoint);
        var fields = JsonDocument.Parse(valid).RootElement.EnumerateObject().Select(p => p.Name).Append("surprise").ToArray();
        var url = path.Replace("{incident}", fixture.Incident, StringComparison.Ordinal);

        await Body(fields, valid).SampleAsync(async body =>
        {
            var response = await harness.SendAsync(url, body, role, new HttpMethod(method));
            var status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(status < 500, $"{endpoint}: {status} for {body}: {text}");
            if (status >= 400)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }, iter: Samples, threads: 1);

        Assert.True((await harness.GetAsync("/healthz")).IsSuccessStatusCode);
    }

    private static Gen<string> Body(string[] fields, string valid) => Gen.Frequency(
        (6, Object(Gen.Frequency((4, Gen.OneOfConst(fields)), (1, Gen.String[0, 6])), 2)),
        (2, Value(2)),
        (1, Gen.Int[0, valid.Length].Select(n => valid[..n])),
        (1, Gen.String[0, 40]));

    private static Gen<string> Scalar() => Gen.OneOf(
        Gen.OneOfConst("null", "true", "false"),
        Gen.OneOfConst(Numbers),
        Gen.Long.Select(l => l.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Double.Where(double.IsFinite).Select(d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture)),
        Gen.OneOfConst(Words).Select(Quote),
        Gen.String[0, 12].Select(Quote));

    private static Gen<string> Value(int depth) => depth == 0
        ? Scalar()
        : Gen.Frequency(
            (4, Scalar()),
            (1, Value(depth - 1).Array[0, 3].Select(items => "[" + string.Join(",", items) + "]")),
            (1, Object(Gen.String[0, 6], depth - 1)));

    private static Gen<string> Object(Gen<string> key, int depth) =>
        Gen.Select(key, Value(depth), (k, v) => Quote(k) + ":" + v).Array[0, 7].Select(pairs => "{" + string.Join(",", pairs) + "}");

    private static string Quote(string text) => JsonSerializer.Serialize(text);
}
