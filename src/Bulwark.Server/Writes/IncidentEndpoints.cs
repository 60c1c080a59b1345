using Bulwark.Availability;
using Bulwark.Server.Auth;
using Bulwark.Server.Problems;
using Microsoft.AspNetCore.Http;

namespace Bulwark.Server.Writes;

/// <summary>
/// <c>POST /api/v1/incidents/{id}/ack</c> and <c>/resolve</c>: what <c>bulwark incidents ack|resolve</c> does, an
/// <c>incident.acknowledged</c> / <c>incident.resolved</c> event with the key's owner as actor and the note as cause,
/// then the running monitor reads it at once (not at its next 5 s refresh), so the answer shows the incident changed.
/// </summary>
internal static class IncidentEndpoints
{
    // One action at a time: two resolves racing must not both pass the "still open" check.
    private static readonly SemaphoreSlim Serial = new(1, 1);

    public static async Task<IResult> ActAsync(string id, string action, HttpContext context, SafetySystem system)
    {
        var (body, problem) = await JsonBody.ReadAsync(context, WriteJsonContext.Default.IncidentNoteRequest).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new FieldErrors();
        var note = errors.Text(body!.Note, "note");
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var caller = ApiCaller.From(context)!;
        await Serial.WaitAsync(context.RequestAborted).ConfigureAwait(false);
        try
        {
            var monitor = system.Availability;
            await monitor.CatchUpAsync(system.Events, context.RequestAborted).ConfigureAwait(false);
            var incident = monitor.GetIncidents().FirstOrDefault(i => i.Id == id);
            if (incident is null)
            {
                return ProblemWriter.Result(StatusCodes.Status404NotFound, "Not found", $"no incident '{KillSwitchEndpoint.Shorten(id)}'; GET /api/v1/incidents lists them", "id");
            }

            if (!incident.IsOpen)
            {
                return ProblemWriter.Result(StatusCodes.Status409Conflict, "Already resolved",
                    $"{id} was already resolved at {incident.ResolvedAt:O} by {incident.ResolvedBy}", "id");
            }

            var sequence = await system.Events.AppendAsync(new SafetyEvent
            {
                Time = system.Time.GetUtcNow(),
                Kind = action == "ack" ? AvailabilityEventKinds.IncidentAcknowledged : AvailabilityEventKinds.IncidentResolved,
                Subject = id,
                Actor = caller.Actor,
                Cause = note,
            }, CancellationToken.None).ConfigureAwait(false);
            await monitor.CatchUpAsync(system.Events, CancellationToken.None).ConfigureAwait(false);
            var after = monitor.GetIncidents().FirstOrDefault(i => i.Id == id) ?? incident;
            return TypedResults.Json(
                new IncidentActionResponse(id, action, caller.Actor, note!, sequence, after.IsOpen, after.AcknowledgedBy, after.ResolvedBy),
                WriteJsonContext.Default.IncidentActionResponse);
        }
        finally
        {
            Serial.Release();
        }
    }
}
