using System.Globalization;
using System.Text.Json.Nodes;
using Bulwark.Failover;
using Bulwark.Recovery;
using Bulwark.Redundancy;
using Bulwark.Server.Auth;
using Bulwark.Server.Problems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Bulwark.Server.Reads;

/// <summary>
/// The read endpoints under <c>/api/v1</c>, for any key (viewer or higher): the live system's states and the history
/// in its event log, built by the same code as the CLI's reports. A part whose section is not configured says so.
/// </summary>
internal static class ReadEndpoints
{
    internal const int DefaultLimit = 100;
    internal const int MaxLimit = 1000;

    public static IEndpointRouteBuilder MapBulwarkReads(this IEndpointRouteBuilder api)
    {
        var reads = api.MapGroup("").RequireRole(ApiRole.Viewer).WithTags("reads");
        reads.MapGet("/status", async (SafetySystem system, CancellationToken cancellationToken) =>
                TypedResults.Ok(await StatusView.BuildAsync(system, cancellationToken).ConfigureAwait(false)))
            .WithName("status").WithSummary("System state, every component with its last check, trading state and kill switches.");

        reads.MapGet("/components", async (SafetySystem system, int? history, CancellationToken cancellationToken) =>
                Limit(history, "history", 20, out var count) ?? Results.Ok(await ComponentsAsync(system, count, cancellationToken).ConfigureAwait(false)))
            .WithName("components").WithSummary("Every component with its checks and its latest state transitions (?history=N, default 20).");

        reads.MapGet("/sla", (SafetySystem system) =>
            {
                var node = Views.Configured(system.ValidateAvailabilitySla());
                node["evaluatorRunning"] = true; // this process evaluates the alerts every 5 s
                return Results.Ok(node);
            })
            .WithName("sla").WithSummary("Every SLO: availability, error budget, burn rates, active and due alerts.");

        reads.MapGet("/incidents", (SafetySystem system, bool? open) => Results.Ok(Views.Configured(system.Availability.GetIncidentReport(open ?? false))))
            .WithName("incidents").WithSummary("Incidents newest first (?open=true for unresolved ones) with MTTR, MTBF and MTTD over 30 days.");

        reads.MapGet("/failovers", async (SafetySystem system, int? limit, CancellationToken cancellationToken) =>
                Limit(limit, "limit", 20, out var count) ?? Results.Ok(await FailoversAsync(system, count, cancellationToken).ConfigureAwait(false)))
            .WithName("failovers").WithSummary("Leadership of each group (from the coordinator), the recovery-time SLA and the latest failovers.");

        reads.MapGet("/recoveries", async (SafetySystem system, string? plan, int? limit, CancellationToken cancellationToken) =>
                Limit(limit, "limit", 20, out var count) ?? Results.Ok(await RecoveriesAsync(system, plan, count, cancellationToken).ConfigureAwait(false)))
            .WithName("recoveries").WithSummary("Runs of recovery plans newest first (?plan=NAME, ?limit=N): trigger, steps, outcome, time against the SLA.");

        reads.MapGet("/redundancy", async (SafetySystem system, CancellationToken cancellationToken) => Results.Ok(system.Options.Redundancy is null
                ? Views.NotConfigured("no redundancy: section in the configuration")
                : Views.Configured(await system.ValidateRedundancyAsync(cancellationToken).ConfigureAwait(false))))
            .WithName("redundancy").WithSummary("The redundancy level reached (N+k) by every service, with its findings.");

        reads.MapGet("/drills", async (SafetySystem system, int? limit, CancellationToken cancellationToken) =>
                Limit(limit, "limit", 20, out var count) ?? Results.Ok(system.Options.Redundancy is null
                    ? Views.NotConfigured("no redundancy: section in the configuration: drills need its topology")
                    : Views.Configured("drills", await DrillHistory.ReadAsync(system.Events, count, cancellationToken).ConfigureAwait(false))))
            .WithName("drills").WithSummary("Failover and zone drills newest first: detection, recovery, level back, verdict.");

        reads.MapGet("/limits", (SafetySystem system) => Results.Ok(system.Trading is not { } trading
                ? Views.NotConfigured("no trading: section in the configuration")
                : Views.Configured("limits", trading.Gate.GetOptions())))
            .WithName("limits").WithSummary("The trading limits in force (what PUT /api/v1/limits replaces).");

        reads.MapGet("/events", EventsAsync)
            .WithName("events").WithSummary("The event log by sequence: ?after=SEQ pages forward, ?since=TIME|DURATION, ?kind=PREFIX, ?subject=, ?limit=N (1-1000).");
        return api;
    }

    /// <summary>A 400 naming <paramref name="name"/> when the value is out of range; null (and the value) when fine.</summary>
    internal static IResult? Limit(int? value, string name, int fallback, out int limit)
    {
        limit = value ?? fallback;
        return limit is >= 1 and <= MaxLimit
            ? null
            : ProblemWriter.Result(StatusCodes.Status400BadRequest, "Bad request", $"{name} must be between 1 and {MaxLimit}, got {limit}", name);
    }

    private static async Task<JsonObject> ComponentsAsync(SafetySystem system, int history, CancellationToken cancellationToken)
    {
        var components = new JsonArray();
        foreach (var component in system.Manager.GetStatus().Components)
        {
            var node = (JsonObject)Views.Configured(ComponentView.From(component));
            node.Remove("configured");
            var transitions = await system.Events.ReadAsync(new EventQuery { KindPrefix = EventKinds.ComponentState, Subject = component.Name, Limit = history }, cancellationToken).ConfigureAwait(false);
            node["history"] = System.Text.Json.JsonSerializer.SerializeToNode(
                transitions.Where(e => e.Kind == EventKinds.ComponentState).Select(e => new { e.Sequence, e.Time, e.From, e.To, e.Cause }),
                Bulwark.Storage.BulwarkJson.Options);
            components.Add(node);
        }

        return new JsonObject { ["components"] = components };
    }

    private static async Task<JsonObject> FailoversAsync(SafetySystem system, int limit, CancellationToken cancellationToken)
    {
        if (system.Options.Failover is not { } options || system.Failover is not { } failover)
        {
            return Views.NotConfigured("no failover: section in the configuration");
        }

        var now = system.Time.GetUtcNow();
        var groups = new List<object>();
        foreach (var group in options.Groups)
        {
            try
            {
                groups.Add(system.Leases is { } leases
                    ? await GroupLeadership.ReadAsync(leases, group.Name, now, cancellationToken).ConfigureAwait(false)
                    : new { group = group.Name, error = "no lease coordinator" });
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Said, not guessed: the coordinator did not answer, so who leads is unknown.
                groups.Add(new { group = group.Name, error = "the coordinator did not answer: " + ex.Message });
            }
        }

        return Views.Configured(new
        {
            replica = options.Replica,
            groups,
            recoveryTime = system.ValidateRecoveryTimeSla(),
            failovers = failover.Records.Reverse().Take(limit).ToList(),
        });
    }

    private static async Task<JsonObject> RecoveriesAsync(SafetySystem system, string? plan, int limit, CancellationToken cancellationToken)
    {
        if (system.Options.Recovery is not { } recovery)
        {
            return Views.NotConfigured("no recovery: section in the configuration");
        }

        var runs = await RecoveryHistory.ReadAsync(system.Events, cancellationToken: cancellationToken).ConfigureAwait(false);
        return Views.Configured(new
        {
            plans = recovery.Plans.Select(p => p.Name).ToList(),
            runs = runs.Where(r => plan is null || r.Plan == plan).Reverse().Take(limit).ToList(),
        });
    }

    private static async Task<IResult> EventsAsync(SafetySystem system, string? since, string? kind, string? subject, long? after, int? limit, CancellationToken cancellationToken)
    {
        if (Limit(limit, "limit", DefaultLimit, out var count) is { } bad)
        {
            return bad;
        }

        if (after is < 0)
        {
            return ProblemWriter.Result(StatusCodes.Status400BadRequest, "Bad request", $"after must be a sequence (0 or more), got {after}", "after");
        }

        DateTimeOffset? from = null;
        if (since is not null)
        {
            if (ParseSince(since, system.Time.GetUtcNow()) is not { } parsed)
            {
                return ProblemWriter.Result(StatusCodes.Status400BadRequest, "Bad request",
                    $"since must be a time (2026-01-31T12:00:00Z) or a duration back from now (30s, 10m, 2h, 1d), got '{since}'", "since");
            }

            from = parsed;
        }

        // With a cursor: the oldest page after it (paging forward). Without: the newest page, oldest first.
        var events = await system.Events.ReadAsync(
            new EventQuery { AfterSequence = after, Since = from, KindPrefix = kind, Subject = subject, Limit = count, FromOldest = after is not null },
            cancellationToken).ConfigureAwait(false);
        var next = events.Count > 0 ? events[^1].Sequence : after ?? 0;
        return Results.Ok(new { events, next, more = after is not null && events.Count == count });
    }

    /// <summary>An ISO 8601 time, or a duration back from <paramref name="now"/> (as the CLI's <c>--since</c>); null when it is neither.</summary>
    internal static DateTimeOffset? ParseSince(string text, DateTimeOffset now)
    {
        if (text.Contains('-', StringComparison.Ordinal))
        {
            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;
        }

        return Duration.TryParse(text, out var back) ? now - back : null;
    }
}
