using System.Net;
using System.Text;
using System.Text.Json;
using Bulwark.Recovery;
using Bulwark.Redundancy;
using Bulwark.Server.Auth;
using Bulwark.Trading;

namespace Bulwark.Server.Tests.Writes;

/// <summary>
/// The real host with a trading section (account ACC1, strategy momo, instrument XYZ, tick 0.01; quantity up to 1,000,
/// notional up to 10^7, positions up to 5,000), a recovery plan <c>noop</c> (runs <c>true</c>), trading active, and helpers
/// to send bodies and read the state a write could change.
/// </summary>
internal static class WriteServer
{
    public const string Account = "ACC1";
    public const string Strategy = "momo";
    public const string Symbol = "XYZ";
    public const string Group = "orders";

    public static RiskGateOptions TradingOptions()
    {
        var options = new RiskGateOptions
        {
            EnabledChecks = RiskChecks.MaximumOrderQuantity | RiskChecks.MaximumOrderNotional | RiskChecks.PositionLimits,
            OrderCapacity = 1 << 12,
        };
        options.Accounts.Add(Account);
        options.Strategies.Add(Strategy);
        options.Instruments[Symbol] = new InstrumentOptions { TickSize = 0.01, LotSize = 1, Multiplier = 1 };
        options.Firm = new RiskLimits { MaximumOrderQuantity = 1000, MaximumOrderNotional = 1e7, MaximumLongPosition = 5000, MaximumShortPosition = 5000 };
        return options;
    }

    /// <summary>The same limits as the JSON document <c>PUT /api/v1/limits</c> takes (the trading: section).</summary>
    public static string LimitsDocument(string reason = "raise the order size for the open", string maximumOrderQuantity = "2000") => $$"""
        {
          "reason": "{{reason}}",
          "trading": {
            "enabledChecks": ["maximumOrderQuantity", "maximumOrderNotional", "positionLimits"],
            "orderCapacity": 4096,
            "firm": { "maximumOrderQuantity": {{maximumOrderQuantity}}, "maximumOrderNotional": 10000000, "maximumLongPosition": 5000, "maximumShortPosition": 5000 },
            "accounts": [ { "name": "ACC1" } ],
            "strategies": [ { "name": "momo" } ],
            "instruments": [ { "symbol": "XYZ", "tickSize": 0.01 } ]
          }
        }
        """;

    public static async Task<ServerHarness> StartAsync(bool trading = true)
    {
        var harness = await ServerHarness.StartAsync(options =>
        {
            if (trading)
            {
                options.Trading = TradingOptions();

                // Every engage holds the system Critical for the instant its write is not durable yet, and a check may run
                // before the first heartbeat; without restore, either leaves trading Reducing until a person lifts it. These
                // tests are about the HTTP layer, so trading comes back with the system.
                options.TradingPolicy.RestoreOnRecovery = true;
            }

            var plan = new RecoveryPlanOptions { Name = "noop", Component = "engine" };
            plan.Steps.Add(new RecoveryStepOptions { Name = "nothing", Action = RecoveryActionKind.Command, Command = "true" });
            options.Recovery = new RecoveryOptions();
            options.Recovery.Plans.Add(plan);

            // This replica (a) leads failover group "orders" on the system's own SQLite coordinator.
            options.Failover = new FailoverOptions { Replica = "a" };
            options.Failover.Coordinator.Path = Path.Combine(options.DataDirectory, "leases.db");
            options.Failover.Groups.Add(new FailoverGroupOptions { Name = Group });

            // A topology to drill: two replicas of "engines" in zones a and b, their health the engine component's.
            var service = new RedundantServiceOptions { Name = "engines", Type = RedundancyType.ActiveActive, Capacity = 1, Level = 1, Region = "eu" };
            service.Replicas.Add(new RedundantReplicaOptions { Name = "e1", Zone = "a", Host = "h1", Component = "engine" });
            service.Replicas.Add(new RedundantReplicaOptions { Name = "e2", Zone = "b", Host = "h2", Component = "engine" });
            options.Redundancy = new RedundancyOptions();
            options.Redundancy.Services.Add(service);
        });
        harness.Beat();
        if (trading)
        {
            await Eventually.WaitUntilAsync(() => harness.System.Trading!.Gate.GetTradingState(TradingScope.Firm) == TradingState.Active,
                TimeSpan.FromSeconds(30), "trading active after the first heartbeat");
        }

        return harness;
    }

    public static Task<HttpResponseMessage> SendAsync(this ServerHarness harness, string path, string? body, ApiRole? role, HttpMethod? method = null, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(method ?? HttpMethod.Post, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        }

        return harness.SendAsync(request, role is { } r ? harness.Secrets[r] : null);
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    /// <summary>Every event of a kind, oldest first.</summary>
    public static async Task<IReadOnlyList<SafetyEvent>> EventsAsync(this ServerHarness harness, string kind)
    {
        var events = await harness.System.Events.ReadAsync(new EventQuery { KindPrefix = kind, Limit = 1000, FromOldest = true });
        return events.Where(e => e.Kind == kind).ToList();
    }

    /// <summary>An incident to act on: a failover that broke its recovery-time SLA opens one until a person resolves it.</summary>
    public static async Task<string> OpenIncidentAsync(this ServerHarness harness, string subject = "failover:orders")
    {
        await harness.System.Events.AppendAsync(new SafetyEvent
        {
            Time = harness.System.Time.GetUtcNow(),
            Kind = Bulwark.Failover.FailoverEventKinds.RecoverySlaViolated,
            Subject = subject,
            Cause = "no leader for 75 s (SLA 60 s)",
        });
        await harness.System.Availability.CatchUpAsync(harness.System.Events, CancellationToken.None);
        return harness.System.Availability.GetIncidents(openOnly: true).Single(i => i.Subject == subject).Id;
    }

    /// <summary>
    /// Everything a write could change, as text: kill switches, trading states, the limits in force, incidents, events
    /// by kind, positions and working orders. Equal before and after a refused write: it changed nothing.
    /// </summary>
    public static async Task<string> StateAsync(this ServerHarness harness)
    {
        var text = new StringBuilder();
        if (harness.System.Trading is { } trading)
        {
            var gate = trading.Gate;
            foreach (var scope in new[] { TradingScope.Firm, TradingScope.ForAccount(Account), TradingScope.ForStrategy(Strategy), TradingScope.ForSymbol(Symbol) })
            {
                text.Append(scope).Append(" killed=").Append(trading.KillSwitch.IsEngaged(scope)).Append(" state=").Append(gate.GetTradingState(scope)).AppendLine();
            }

            var limits = gate.GetOptions();
            text.Append("limits ").Append(limits.EnabledChecks).Append(' ').Append(JsonSerializer.Serialize(limits.Firm)).AppendLine();
            text.Append("position ").Append(gate.GetPosition(gate.GetAccountId(Account), gate.GetSymbolId(Symbol))).AppendLine();
            text.Append("working ").AppendJoin(',', gate.GetWorkingOrders()).AppendLine();
        }

        await harness.System.Availability.CatchUpAsync(harness.System.Events, CancellationToken.None);
        foreach (var incident in harness.System.Availability.GetIncidents())
        {
            text.Append(incident.Id).Append(' ').Append(incident.IsOpen).Append(' ').Append(incident.AcknowledgedBy).Append(' ').Append(incident.ResolvedBy).AppendLine();
        }

        var events = await harness.System.Events.ReadAsync(new EventQuery { Limit = 10_000, FromOldest = true });
        foreach (var kind in events.Select(e => e.Kind).Where(k => !IsBackground(k)).GroupBy(k => k).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            text.Append(kind.Key).Append('=').Append(kind.Count()).AppendLine();
        }

        return text.ToString();
    }

    // Written by the running system on its own (status, SLI counts, rejections), whatever a request does; and the audit
    // of a limits change the gate refused (ApplyLimits records every refusal, like the SIGHUP reload's): a record, not a change.
    private static bool IsBackground(string kind) => kind.StartsWith("availability.", StringComparison.Ordinal) ||
        kind is TradingEventKinds.Rejections or TradingEventKinds.LimitsChangeRefused or EventKinds.ComponentState or EventKinds.SystemState or TradingEventKinds.TradingState;
}
