using System.Globalization;
using System.Text.Json;
using Bulwark.Recovery;
using Bulwark.Redundancy;
using Bulwark.Server.Auth;
using Bulwark.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Bulwark.Server.Writes;

/// <summary>
/// <c>POST /api/v1/recoveries</c> and <c>POST /api/v1/drills</c> with <c>{ "plan", "dryRun", "reason" }</c>. Both can take
/// minutes (a plan up to maxRecoveryTimeSeconds, a drill up to its timeout), longer than an HTTP client, proxy or person
/// should hold a request open, so they answer <c>202 Accepted</c> with <c>Location: /api/v1/operations/OP-n</c> to poll
/// (progress lines while running, then the outcome and report); the event log records them whatever happens to the
/// caller. A dry run changes nothing, needs no reason, and answers 200 at once with what would run.
/// <list type="bullet">
/// <item>Recoveries: <c>plan</c> is a recovery plan's name. The run is requested exactly as <c>bulwark recover run</c> does
/// (a <c>recovery.requested</c> event with the key's owner and the reason), and the running recovery system picks it up.</item>
/// <item>Drills: <c>plan</c> is <c>failover:GROUP</c> (stop the leader of a failover group) or <c>zone:ZONE</c> (stop every
/// replica in a zone), the two drills of <c>bulwark drill</c>; optional <c>signal</c> (kill, term, stop), <c>force</c>
/// (drill while trading is live) and <c>timeoutSeconds</c>. A <c>redundancy.drill_requested</c> event records who and
/// why; the drill itself records its report as <c>redundancy.drill</c>.</item>
/// </list>
/// </summary>
internal static class PlanEndpoints
{
    /// <summary>Audit of a drill asked for over HTTP: subject the plan, actor the key's owner, cause the reason.</summary>
    public const string DrillRequested = "redundancy.drill_requested";

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LongestDrill = TimeSpan.FromMinutes(10);
    private static readonly (string Name, DrillSignal Value)[] Signals = [("kill", DrillSignal.Kill), ("term", DrillSignal.Term), ("stop", DrillSignal.Stop)];

    public static async Task<IResult> RecoverAsync(HttpContext context, SafetySystem system, Operations operations)
    {
        if (system.Recovery is not { } recovery)
        {
            return WriteEndpoints.NotConfigured("recovery", "recovery");
        }

        var (body, problem) = await JsonBody.ReadAsync(context, WriteJsonContext.Default.PlanRequest).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new FieldErrors();
        var name = errors.Name(body!.Plan, "plan");
        var plan = name is null ? null : recovery.Plans.FirstOrDefault(p => p.Name == name);
        if (name is not null && plan is null)
        {
            errors.Add("plan", $"no recovery plan '{KillSwitchEndpoint.Shorten(name)}' (known: {(recovery.Plans.Count == 0 ? "none" : string.Join(", ", recovery.Plans.Select(p => p.Name)))})");
        }

        Unused(body.Signal, "signal", errors);
        Unused(body.Force, "force", errors);
        Unused(body.TimeoutSeconds, "timeoutSeconds", errors);
        var dryRun = body.DryRun ?? false;
        var reason = errors.Text(body.Reason, "reason", required: !dryRun);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        if (dryRun)
        {
            var steps = PlanRunner.Describe(plan!, recovery.Actions, recovery.MaxRecoveryTime);
            return TypedResults.Json(new DryRunResponse(plan!.Name, true, steps), WriteJsonContext.Default.DryRunResponse);
        }

        var caller = ApiCaller.From(context)!;
        var request = await system.Events.AppendAsync(new SafetyEvent
        {
            Time = system.Time.GetUtcNow(),
            Kind = RecoveryEventKinds.Requested,
            Subject = plan!.Subject,
            Actor = caller.Actor,
            Cause = $"{caller.Actor} asked for {plan.Name}: {reason}",
            Evidence = JsonSerializer.Serialize(new RecoveryEvidence { Plan = plan.Name, By = caller.Actor, Reason = reason }, BulwarkJson.Options),
        }, CancellationToken.None).ConfigureAwait(false);

        var operation = operations.Start("recovery", plan.Name, caller.Actor, reason!);
        operation.Progress($"requested {plan.Name} for {plan.Subject} (event {request.ToString(CultureInfo.InvariantCulture)})");
        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        _ = Task.Run(() => FollowRecoveryAsync(system, request, recovery.MaxRecoveryTime + TimeSpan.FromSeconds(30), operation, stopping), CancellationToken.None);
        return Accepted(operation);
    }

    public static async Task<IResult> DrillAsync(HttpContext context, SafetySystem system, Operations operations)
    {
        if (system.Options.Redundancy is not { } redundancy)
        {
            return WriteEndpoints.NotConfigured("redundancy (the topology drills run against)", "redundancy");
        }

        var (body, problem) = await JsonBody.ReadAsync(context, WriteJsonContext.Default.PlanRequest).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new FieldErrors();
        var plan = errors.Name(body!.Plan, "plan");
        string? kind = null, target = null;
        if (plan is not null)
        {
            var colon = plan.IndexOf(':', StringComparison.Ordinal);
            kind = colon > 0 ? plan[..colon] : null;
            target = colon > 0 ? plan[(colon + 1)..] : null;
            if (kind is not ("failover" or "zone") || string.IsNullOrEmpty(target))
            {
                errors.Add("plan", $"expected failover:GROUP or zone:ZONE, got '{KillSwitchEndpoint.Shorten(plan)}'");
                kind = null;
            }
        }

        var signal = kind == "zone" ? DrillSignal.Stop : DrillSignal.Kill;
        if (body.Signal is { } signalName)
        {
            var chosen = Array.FindIndex(Signals, s => string.Equals(s.Name, signalName, StringComparison.OrdinalIgnoreCase));
            if (chosen < 0)
            {
                errors.Add("signal", $"expected kill, term or stop, got '{KillSwitchEndpoint.Shorten(signalName)}'");
            }
            else
            {
                signal = Signals[chosen].Value;
            }
        }

        var timeout = TimeSpan.FromSeconds(redundancy.DrillTimeoutSeconds);
        if (body.TimeoutSeconds is { } seconds)
        {
            if (!(seconds > 0 && seconds <= LongestDrill.TotalSeconds))
            {
                errors.Add("timeoutSeconds", $"must be more than 0 and at most {LongestDrill.TotalSeconds:0}");
            }
            else
            {
                timeout = TimeSpan.FromSeconds(seconds);
            }
        }

        var dryRun = body.DryRun ?? false;
        var reason = errors.Text(body.Reason, "reason", required: !dryRun);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var caller = ApiCaller.From(context)!;
        var operation = default(Operations.Operation);
        var drill = new RedundancyDrill(system.Options, ct => system.ValidateRedundancyAsync(ct), system.Leases, system.Events, system.Time, line => operation?.Progress(line));
        var request = new DrillRequest(kind!, target!, signal, caller.Actor, body.Force ?? false, timeout);
        var affected = drill.Affected(request);
        if (affected.Count == 0)
        {
            return FieldErrors.Single("plan", kind == "failover"
                ? $"no service of the redundancy section has failoverGroup '{KillSwitchEndpoint.Shorten(target!)}'"
                : $"no replica of the redundancy section is in zone '{KillSwitchEndpoint.Shorten(target!)}'");
        }

        if (dryRun)
        {
            var steps = affected.Select(s => kind == "failover"
                    ? $"{s.Name}: stop the leader of {target} with {RedundancyDrill.SignalName(signal)}, wait up to {timeout.TotalSeconds:0} s for a new leader under a larger token and the level back"
                    : $"{s.Name}: stop {string.Join(", ", s.Replicas.Where(r => r.Zone == target).Select(r => r.Name))} with {RedundancyDrill.SignalName(signal)}, verify N or more stay healthy, restore")
                .ToList();
            return TypedResults.Json(new DryRunResponse(plan!, true, steps), WriteJsonContext.Default.DryRunResponse);
        }

        await system.Events.AppendAsync(new SafetyEvent
        {
            Time = system.Time.GetUtcNow(),
            Kind = DrillRequested,
            Subject = plan!,
            Actor = caller.Actor,
            Cause = reason,
            Evidence = JsonSerializer.Serialize(new { signal = RedundancyDrill.SignalName(signal), force = request.Force, timeoutSeconds = timeout.TotalSeconds }, BulwarkJson.Options),
        }, CancellationToken.None).ConfigureAwait(false);

        operation = operations.Start("drill", plan!, caller.Actor, reason!);
        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        var running = operation;
        _ = Task.Run(async () =>
        {
            try
            {
                var report = await drill.RunAsync(request, stopping).ConfigureAwait(false);
                running.Finish(report.Verdict == "passed" ? "succeeded" : report.Verdict == "refused" ? "refused" : "failed",
                    RedundancyDrill.Summary(report), JsonSerializer.SerializeToElement(report, BulwarkJson.Options));
            }
            catch (Exception ex)
            {
                running.Finish(stopping.IsCancellationRequested ? "interrupted" : "failed", $"the drill failed: {ex.Message}");
            }
        }, CancellationToken.None);
        return Accepted(operation);
    }

    private static void Unused<T>(T? value, string field, FieldErrors errors)
    {
        if (value is not null)
        {
            errors.Add(field, "applies to drills only");
        }
    }

    private static IResult Accepted(Operations.Operation operation) =>
        new Located(TypedResults.Json(operation.View(), WriteJsonContext.Default.OperationView, statusCode: StatusCodes.Status202Accepted), $"/api/v1/operations/{operation.Id}");

    /// <summary>Follows the request through the store as <c>bulwark recover run</c> does, until the run ends or the bound passes.</summary>
    private static async Task FollowRecoveryAsync(SafetySystem system, long request, TimeSpan follow, Operations.Operation operation, CancellationToken stopping)
    {
        var time = system.Time;
        var started = time.GetTimestamp();
        var cursor = request;
        string? execution = null;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var elapsed = time.GetElapsedTime(started);
                if (execution is null && elapsed > RecoverySystem.RequestLifetime)
                {
                    operation.Finish("failed", $"the recovery system did not pick the request up within {RecoverySystem.RequestLifetime.TotalSeconds:0} s; it is not run");
                    return;
                }

                if (elapsed > follow)
                {
                    operation.Finish("unknown", $"{execution} still running after {elapsed.TotalSeconds:0} s; GET /api/v1/recoveries follows it");
                    return;
                }

                await Task.Delay(Poll, time, stopping).ConfigureAwait(false);
                foreach (var e in await system.Events.ReadAsync(new EventQuery { AfterSequence = cursor, KindPrefix = "recovery.", Limit = 1000, FromOldest = true }, stopping).ConfigureAwait(false))
                {
                    cursor = e.Sequence;
                    var evidence = RecoveryHistory.Parse(e.Evidence);
                    if (execution is null)
                    {
                        if (e.Kind is RecoveryEventKinds.Started or RecoveryEventKinds.Coalesced && evidence?.Request == request)
                        {
                            execution = e.Kind == RecoveryEventKinds.Started ? string.Create(CultureInfo.InvariantCulture, $"REC-{e.Sequence}") : evidence.Execution;
                        }
                        else
                        {
                            continue;
                        }
                    }
                    else if (evidence?.Execution != execution)
                    {
                        continue;
                    }

                    operation.Progress($"{e.Time:O}  {execution}  {e.Cause}");
                    if (RecoveryEventKinds.IsFinal(e.Kind))
                    {
                        operation.Finish(e.Kind == RecoveryEventKinds.Succeeded ? "succeeded" : "failed", $"{execution}: {e.Cause}",
                            JsonSerializer.SerializeToElement(new { execution, kind = e.Kind, sequence = e.Sequence }, BulwarkJson.Options));
                        return;
                    }
                }
            }
        }
        catch (Exception ex)
        {
            operation.Finish("interrupted", stopping.IsCancellationRequested ? "the server stopped while following the run; the event log has its outcome" : $"following the run failed: {ex.Message}");
        }
    }

    /// <summary>A result with a <c>Location</c> header: where to poll.</summary>
    private sealed class Located(IResult inner, string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.Location = location;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
