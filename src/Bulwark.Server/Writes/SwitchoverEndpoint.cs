using System.Globalization;
using Bulwark.Failover;
using Bulwark.Server.Auth;
using Bulwark.Server.Problems;
using Microsoft.AspNetCore.Http;

namespace Bulwark.Server.Writes;

/// <summary>
/// <c>POST /api/v1/failover/switchover</c> <c>{ "group", "to", "reason", "timeoutSeconds" }</c>: what
/// <c>bulwark failover switchover</c> does, on the running system's own lease coordinator. The hand-over is requested
/// (the leader resigns at its next renewal; only the target may take the next term), recorded as
/// <c>failover.switchover_requested</c> with the key's owner and the reason, and waited for: a switchover takes seconds,
/// and nobody leads while it is pending, so the caller is told at once whether the target leads (200 with its new
/// token) or did not take over in time (409; the request lapses and anyone may lead again). Bounded by
/// <see cref="LongestWait"/>.
/// </summary>
internal static class SwitchoverEndpoint
{
    /// <summary>The longest a request may wait; the CLI allows longer, an HTTP request should not hang for minutes.</summary>
    public static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    public static async Task<IResult> HandleAsync(HttpContext context, SafetySystem system)
    {
        if (system.Failover is null || system.Leases is not { } leases || system.Options.Failover is not { } failover)
        {
            return WriteEndpoints.NotConfigured("failover", "failover");
        }

        var (body, problem) = await JsonBody.ReadAsync(context, WriteJsonContext.Default.SwitchoverRequest).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new FieldErrors();
        var group = errors.Name(body!.Group, "group");
        if (group is not null && !failover.Groups.Any(g => g.Name == group))
        {
            errors.Add("group", $"no failover group '{KillSwitchEndpoint.Shorten(group)}' (configured: {string.Join(", ", failover.Groups.Select(g => g.Name))})");
        }

        var target = errors.Name(body.To, "to");
        if (target is not null && !Bulwark.Configuration.BulwarkOptionsValidator.IsValidName(target))
        {
            errors.Add("to", "must be a replica name (letters, digits, '.', '_' or '-')");
        }

        var reason = errors.Text(body.Reason, "reason");
        var wait = DefaultWait;
        if (body.TimeoutSeconds is { } seconds)
        {
            if (!(seconds > 0 && seconds <= LongestWait.TotalSeconds))
            {
                errors.Add("timeoutSeconds", $"must be more than 0 and at most {LongestWait.TotalSeconds:0}");
            }
            else
            {
                wait = TimeSpan.FromSeconds(seconds);
            }
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var caller = ApiCaller.From(context)!;
        var time = system.Time;
        var cancel = context.RequestAborted;
        var before = await leases.ReadAsync(group!, cancel).ConfigureAwait(false);
        var leading = before is not null && before.ExpiresAt > time.GetUtcNow() && before.Holder.Length > 0;
        if (leading && before!.Holder == target)
        {
            return Answer(new SwitchoverResponse(group!, target, target!, before.Token.Value, before.Token.Value, 0, true, true, caller.Actor, reason!,
                $"{target} already leads {group} (token {before.Token.Value}); nothing to do"));
        }

        // Recorded before it is requested: a hand-over nobody can account for never happens.
        var started = time.GetTimestamp();
        await system.Events.AppendAsync(new SafetyEvent
        {
            Time = time.GetUtcNow(),
            Kind = FailoverEventKinds.SwitchoverRequested,
            Subject = group!,
            Actor = caller.Actor,
            From = leading ? before!.Holder : null,
            To = target,
            Cause = reason,
        }, CancellationToken.None).ConfigureAwait(false);
        await leases.RequestHandoverAsync(group!, target!, wait, CancellationToken.None).ConfigureAwait(false);

        var oldToken = before?.Token.Value ?? 0;
        while (time.GetElapsedTime(started) < wait)
        {
            await Task.Delay(Poll, time, cancel).ConfigureAwait(false);
            var now = await leases.ReadAsync(group!, cancel).ConfigureAwait(false);
            if (now is not null && now.ExpiresAt > time.GetUtcNow() && now.Holder == target && now.Token.Value > oldToken)
            {
                var took = time.GetElapsedTime(started).TotalSeconds;
                return Answer(new SwitchoverResponse(group!, leading ? before!.Holder : null, target!, leading ? oldToken : null, now.Token.Value, took, true, false, caller.Actor, reason!,
                    string.Create(CultureInfo.InvariantCulture, $"{target} leads {group} with token {now.Token.Value} after {took:0.00} s")));
            }
        }

        var final = await leases.ReadAsync(group!, CancellationToken.None).ConfigureAwait(false);
        return ProblemWriter.Result(StatusCodes.Status409Conflict, "Switchover did not complete", string.Create(CultureInfo.InvariantCulture,
            $"{target} did not take over {group} within {wait.TotalSeconds:0.#} s (leader now: {(final is not null && final.ExpiresAt > time.GetUtcNow() ? $"{final.Holder}, token {final.Token.Value}" : "none")}); " +
            $"is {target} running with failover.replica: {target} in group {group}? The request has lapsed; anyone may lead again"), "to");
    }

    private static IResult Answer(SwitchoverResponse response) => TypedResults.Json(response, WriteJsonContext.Default.SwitchoverResponse);
}
