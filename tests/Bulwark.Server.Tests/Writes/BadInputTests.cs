using System.Net;
using System.Text.Json.Nodes;
using Bulwark.Server.Auth;

namespace Bulwark.Server.Tests.Writes;

/// <summary>
/// Bad bodies on every write and gate endpoint: malformed JSON, empty, null, an array, each required field missing,
/// each field of the wrong type, NaN and Infinity, 1e400, numbers beyond the trading bound (10^15) or beyond a long,
/// unknown enum values and fields, an oversized body, a wrong or missing content type. Each is a 4xx
/// <c>application/problem+json</c> naming the field, and nothing changed: kill switches, trading states, limits,
/// positions, working orders, incidents and the events recorded are the same afterwards.
/// </summary>
public sealed class BadInputTests(BadInputTests.Fixture fixture) : IClassFixture<BadInputTests.Fixture>
{
    /// <summary>A trading server with an open incident, sent bad bodies with a key strong enough for every endpoint.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        internal ServerHarness Harness { get; private set; } = null!;

        internal string Incident { get; private set; } = "";

        public async Task InitializeAsync()
        {
            Harness = await WriteServer.StartAsync();
            Incident = await Harness.OpenIncidentAsync();
        }

        public async Task DisposeAsync() => await Harness.DisposeAsync();
    }

    /// <summary>Each endpoint: method, path ({incident} is the open one), a valid body, the key that may use it.</summary>
    internal static readonly (string Name, string Method, string Path, string Body, ApiRole Role)[] Endpoints =
    [
        ("kill-switch", "POST", "/api/v1/kill-switch", """{"scope":"symbol:XYZ","engage":true,"reason":"bad input"}""", ApiRole.Operator),
        ("ack", "POST", "/api/v1/incidents/{incident}/ack", """{"note":"bad input"}""", ApiRole.Operator),
        ("resolve", "POST", "/api/v1/incidents/{incident}/resolve", """{"note":"bad input"}""", ApiRole.Operator),
        ("recoveries", "POST", "/api/v1/recoveries", """{"plan":"noop","dryRun":false,"reason":"bad input"}""", ApiRole.Operator),
        ("drills", "POST", "/api/v1/drills", """{"plan":"zone:a","dryRun":false,"reason":"bad input","signal":"stop","force":false,"timeoutSeconds":5}""", ApiRole.Operator),
        ("switchover", "POST", "/api/v1/failover/switchover", """{"group":"orders","to":"b","reason":"bad input","timeoutSeconds":1}""", ApiRole.Operator),
        ("limits", "PUT", "/api/v1/limits", WriteServer.LimitsDocument("bad input", "3000"), ApiRole.Admin),
        ("orders/check", "POST", "/api/v1/orders/check", """{"account":"ACC1","strategy":"momo","symbol":"XYZ","side":"buy","quantity":10,"price":10,"type":"limit","clientOrderId":777}""", ApiRole.Engine),
        ("executions", "POST", "/api/v1/executions", """{"type":"fill","clientOrderId":777,"executionId":1,"quantity":5,"price":10}""", ApiRole.Engine),
        ("marks", "POST", "/api/v1/marks", """{"symbol":"XYZ","price":10}""", ApiRole.Engine),
    ];

    private static readonly string Huge = "{\"reason\":\"" + new string('x', 70 * 1024) + "\"}";

    /// <summary>Endpoint, what is wrong, the body (null: none), content type, the status, the field the problem must name.</summary>
    public static TheoryData<string, string, string?, string, int, string> Cases()
    {
        var data = new TheoryData<string, string, string?, string, int, string>();
        foreach (var (name, _, _, body, _) in Endpoints)
        {
            data.Add(name, "malformed", body[..(body.Length / 2)], "application/json", 400, "");
            data.Add(name, "trailing garbage", body + "}", "application/json", 400, "");
            data.Add(name, "empty", "", "application/json", 400, "body");
            data.Add(name, "no body", null, "application/json", 415, "Content-Type");
            data.Add(name, "JSON null", "null", "application/json", 400, "body");
            data.Add(name, "an array", "[" + body + "]", "application/json", 400, "body");
            data.Add(name, "a string", "\"hello\"", "application/json", 400, "body");
            data.Add(name, "oversized", Huge, "application/json", 413, "body");
            data.Add(name, "text/plain", body, "text/plain", 415, "Content-Type");
            data.Add(name, "form", body, "application/x-www-form-urlencoded", 415, "Content-Type");
            data.Add(name, "latin-1", body, "application/json; charset=iso-8859-1", 415, "Content-Type");
            var first = JsonNode.Parse(body)!.AsObject().First().Key;
            foreach (var literal in new[] { "NaN", "Infinity", "-Infinity" })
            {
                data.Add(name, $"{literal} literal", Raw(body, first, literal), "application/json", 400, "");
            }
            if (name != "limits")
            {
                data.Add(name, "unknown field", Set(body, "surprise", JsonValue.Create(1)), "application/json", 400, "surprise");
            }

            var fields = JsonNode.Parse(body)!.AsObject();
            foreach (var (field, value) in fields)
            {
                if (name == "limits" && field == "trading")
                {
                    continue;
                }

                if (IsRequired(name, field))
                {
                    data.Add(name, $"{field} missing", Remove(body, field), "application/json", 400, field);
                }

                data.Add(name, $"{field} wrong type", Set(body, field, value!.GetValueKind() == System.Text.Json.JsonValueKind.String ? JsonValue.Create(5) : JsonValue.Create("five")),
                    "application/json", 400, field);
                data.Add(name, $"{field} an object", Set(body, field, new JsonObject { ["a"] = 1 }), "application/json", 400, field);
                if (value!.GetValueKind() == System.Text.Json.JsonValueKind.Number)
                {
                    data.Add(name, $"{field} 1e400", Raw(body, field, "1e400"), "application/json", 400, field);
                    data.Add(name, $"{field} -1e400", Raw(body, field, "-1e400"), "application/json", 400, field);
                    data.Add(name, $"{field} long overflow", Raw(body, field, "9223372036854775808"), "application/json", 400, field);
                    data.Add(name, $"{field} \"NaN\"", Set(body, field, JsonValue.Create("NaN")), "application/json", 400, field);
                    data.Add(name, $"{field} quoted", Set(body, field, JsonValue.Create(value!.ToJsonString())), "application/json", 400, field);
                    data.Add(name, $"{field} \"Infinity\"", Set(body, field, JsonValue.Create("Infinity")), "application/json", 400, field);
                }

                if (value!.GetValueKind() == System.Text.Json.JsonValueKind.String && name != "limits")
                {
                    data.Add(name, $"{field} blank", Set(body, field, JsonValue.Create("   ")), "application/json", 400, field);
                    data.Add(name, $"{field} control character", Set(body, field, JsonValue.Create("a\u0007b")), "application/json", 400, field);
                    data.Add(name, $"{field} too long", Set(body, field, JsonValue.Create(new string('y', 2000))), "application/json", 400, field);
                }
            }
        }

        // Values of the right type that cannot be right.
        Add(data, "kill-switch", "scope", JsonValue.Create("desk:1"));
        Add(data, "kill-switch", "scope", JsonValue.Create("account:NOPE"));
        Add(data, "kill-switch", "scope", JsonValue.Create("symbol:"));
        Add(data, "kill-switch", "scope", JsonValue.Create("FIRM"));
        Add(data, "recoveries", "plan", JsonValue.Create("no-such-plan"));
        Add(data, "drills", "plan", JsonValue.Create("rack:1"));
        Add(data, "drills", "plan", JsonValue.Create("zone:nowhere"));
        Add(data, "drills", "plan", JsonValue.Create("failover:"));
        Add(data, "drills", "signal", JsonValue.Create("hup"));
        Add(data, "drills", "timeoutSeconds", JsonValue.Create(0));
        Add(data, "drills", "timeoutSeconds", JsonValue.Create(100000));
        Add(data, "switchover", "group", JsonValue.Create("nope"));
        Add(data, "switchover", "to", JsonValue.Create("b c"));
        Add(data, "switchover", "timeoutSeconds", JsonValue.Create(-1));
        Add(data, "switchover", "timeoutSeconds", JsonValue.Create(3600));
        Add(data, "orders/check", "side", JsonValue.Create("hold"));
        Add(data, "orders/check", "type", JsonValue.Create("stop"));
        Add(data, "orders/check", "quantity", JsonValue.Create(0));
        Add(data, "orders/check", "quantity", JsonValue.Create(-5));
        Add(data, "orders/check", "quantity", JsonValue.Create(1_000_000_000_000_001));
        Add(data, "orders/check", "quantity", JsonValue.Create(2.5));
        Add(data, "orders/check", "price", JsonValue.Create(0));
        Add(data, "orders/check", "price", JsonValue.Create(-1));
        Add(data, "orders/check", "price", JsonValue.Create(2e15));
        Add(data, "orders/check", "clientOrderId", JsonValue.Create(0));
        Add(data, "orders/check", "clientOrderId", JsonValue.Create(-1));
        Add(data, "executions", "type", JsonValue.Create("bust"));
        Add(data, "executions", "quantity", JsonValue.Create(1_000_000_000_000_001));
        Add(data, "executions", "price", JsonValue.Create(1e16));
        Add(data, "executions", "executionId", JsonValue.Create(0));
        Add(data, "marks", "symbol", JsonValue.Create("NOPE"));
        Add(data, "marks", "price", JsonValue.Create(0));
        Add(data, "marks", "price", JsonValue.Create(1e300));

        // The limits document, validated whole by the configuration binder: the YAML's paths.
        AddLimits(data, "firm quantity negative", """{"maximumOrderQuantity": -5}""", "trading.firm.maximumOrderQuantity");
        AddLimits(data, "firm quantity 1e400", """{"maximumOrderQuantity": 1e400}""", "trading.firm.maximumOrderQuantity");
        AddLimits(data, "firm notional over 10^15", """{"maximumOrderNotional": 2e15}""", "trading.firm.maximumOrderNotional");
        AddLimits(data, "firm typo", """{"maximumOrderQuantty": 5}""", "trading.firm.maximumOrderQuantty");
        AddLimits(data, "firm null", """{"maximumOrderQuantity": null}""", "trading.firm.maximumOrderQuantity");
        data.Add("limits", "unknown check", Swap("\"positionLimits\"", "\"positionLimitz\""), "application/json", 400, "trading.enabledChecks[2]");
        data.Add("limits", "account removed", Swap("""[ { "name": "ACC1" } ]""", """[ { "name": "ACC2" } ]"""), "application/json", 400, "trading");
        data.Add("limits", "order capacity changed", Swap("4096", "8192"), "application/json", 400, "trading.orderCapacity");
        data.Add("limits", "trading a list", Set(WriteServer.LimitsDocument(), "trading", new JsonArray()), "application/json", 400, "trading");
        data.Add("limits", "trading missing", Remove(WriteServer.LimitsDocument(), "trading"), "application/json", 400, "trading");
        data.Add("limits", "unknown top-level field", Set(WriteServer.LimitsDocument(), "surprise", JsonValue.Create(1)), "application/json", 400, "surprise");
        data.Add("limits", "reason missing", Remove(WriteServer.LimitsDocument(), "reason"), "application/json", 400, "reason");
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task ABadBody_IsA4xxProblemNamingTheField_AndChangesNothing(string endpoint, string wrong, string? body, string contentType, int status, string field)
    {
        var harness = fixture.Harness;
        var (_, method, path, _, role) = Endpoints.Single(e => e.Name == endpoint);
        var before = await harness.StateAsync();

        var response = await harness.SendAsync(path.Replace("{incident}", fixture.Incident, StringComparison.Ordinal), body, role, new HttpMethod(method), contentType);

        var problem = await Problem.ReadAsync(response, (HttpStatusCode)status);
        var named = problem.GetProperty("field").GetString();
        Assert.False(string.IsNullOrEmpty(named), $"{endpoint}, {wrong}: the problem names no field: {problem}");
        if (field.Length > 0)
        {
            Assert.True(field == named, $"{endpoint}, {wrong}: expected field '{field}', got '{named}': {problem}");
        }

        if (status == 400)
        {
            Assert.True(problem.GetProperty("errors").TryGetProperty(named!, out _), $"{endpoint}, {wrong}: errors does not list {named}: {problem}");
        }

        Assert.Equal(before, await harness.StateAsync());
    }

    private static bool IsRequired(string endpoint, string field) => (endpoint, field) switch
    {
        (_, "dryRun" or "signal" or "force" or "timeoutSeconds" or "type") when endpoint != "executions" => false,
        ("limits", _) => field == "reason",
        _ => true,
    };

    private static void Add(TheoryData<string, string, string?, string, int, string> data, string endpoint, string field, JsonNode value)
    {
        var body = Endpoints.Single(e => e.Name == endpoint).Body;
        data.Add(endpoint, $"{field} {value.ToJsonString()}", Set(body, field, value), "application/json", 400, field);
    }

    private static void AddLimits(TheoryData<string, string, string?, string, int, string> data, string wrong, string firm, string field)
    {
        var document = JsonNode.Parse(WriteServer.LimitsDocument())!;
        document["trading"]!["firm"] = JsonNode.Parse(firm);
        data.Add("limits", wrong, document.ToJsonString(), "application/json", 400, field);
    }

    private static string Swap(string from, string to)
    {
        var document = WriteServer.LimitsDocument();
        Assert.Contains(from, document, StringComparison.Ordinal);
        return document.Replace(from, to, StringComparison.Ordinal);
    }

    private static string Set(string body, string field, JsonNode value)
    {
        var node = JsonNode.Parse(body)!.AsObject();
        node[field] = value;
        return node.ToJsonString();
    }

    private static string Remove(string body, string field)
    {
        var node = JsonNode.Parse(body)!.AsObject();
        node.Remove(field);
        return node.ToJsonString();
    }

    private static string Raw(string body, string field, string number) => Set(body, field, JsonValue.Create("__RAW__"))
        .Replace("\"__RAW__\"", number, StringComparison.Ordinal);
}
