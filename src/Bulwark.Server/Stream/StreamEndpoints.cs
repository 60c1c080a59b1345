using System.Globalization;
using System.Text;
using System.Text.Json;
using Bulwark.Server.Auth;
using Bulwark.Server.Problems;
using Bulwark.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Bulwark.Server.Stream;

/// <summary>
/// <c>GET /api/v1/stream</c>: server-sent events, one per event of the log as it is recorded: <c>id:</c> is its sequence,
/// <c>data:</c> the event as JSON (the shape of <c>/api/v1/events</c>). <c>Last-Event-ID</c> (header, or
/// <c>?lastEventId=</c>) resumes after that sequence from the log, so a reconnecting client misses nothing; without it
/// the stream starts with the next event. <c>?kind=PREFIX</c> and <c>?subject=</c> filter; a comment line every
/// <c>?heartbeat=</c> seconds (default 15) keeps proxies from closing an idle stream.
/// </summary>
internal static class StreamEndpoints
{
    private const int DefaultHeartbeatSeconds = 15;
    private const int BacklogPage = 500;

    public static IServiceCollection AddBulwarkStream(this IServiceCollection services)
    {
        services.AddSingleton<EventFeed>();
        services.AddHostedService(provider => provider.GetRequiredService<EventFeed>());
        return services;
    }

    public static IEndpointRouteBuilder MapBulwarkStream(this IEndpointRouteBuilder api)
    {
        api.MapGet("/stream", StreamAsync)
            .RequireRole(ApiRole.Viewer)
            .WithTags("reads")
            .WithName("stream")
            .WithSummary("Server-sent events of every new event; id is the sequence, Last-Event-ID resumes.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        return api;
    }

    private static async Task<IResult> StreamAsync(
        HttpContext context, SafetySystem system, EventFeed feed, string? kind, string? subject, int? heartbeat, string? lastEventId)
    {
        var resumeText = context.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? lastEventId;
        long? resume = null;
        if (resumeText is not null)
        {
            if (!long.TryParse(resumeText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                return ProblemWriter.Result(StatusCodes.Status400BadRequest, "Bad request", $"Last-Event-ID must be an event sequence (0 or more), got '{resumeText}'", "Last-Event-ID");
            }

            resume = parsed;
        }

        var beat = heartbeat ?? DefaultHeartbeatSeconds;
        if (beat is < 1 or > 300)
        {
            return ProblemWriter.Result(StatusCodes.Status400BadRequest, "Bad request", $"heartbeat must be between 1 and 300 seconds, got {beat}", "heartbeat");
        }

        var aborted = context.RequestAborted;
        using var subscription = feed.Subscribe();
        var cursor = resume ?? await LatestAsync(system, aborted).ConfigureAwait(false);

        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        await response.WriteAsync("retry: 2000\n\n", aborted).ConfigureAwait(false);

        // First what the client missed, from the log; then the live feed, skipping what the backlog already sent.
        while (true)
        {
            var page = await system.Events.ReadAsync(new EventQuery { AfterSequence = cursor, Limit = BacklogPage, FromOldest = true }, aborted).ConfigureAwait(false);
            foreach (var e in page)
            {
                await WriteAsync(response, e, kind, subject, aborted).ConfigureAwait(false);
                cursor = e.Sequence;
            }

            if (page.Count < BacklogPage)
            {
                break;
            }
        }

        await response.Body.FlushAsync(aborted).ConfigureAwait(false);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(beat), system.Time);
        var tick = timer.WaitForNextTickAsync(aborted).AsTask();
        Task<bool>? ready = null; // one wait at a time on each: the other may finish first
        try
        {
            while (!aborted.IsCancellationRequested)
            {
                ready ??= subscription.Events.WaitToReadAsync(aborted).AsTask();
                if (await Task.WhenAny(ready, tick).ConfigureAwait(false) == tick)
                {
                    await tick.ConfigureAwait(false);
                    await response.WriteAsync(": heartbeat\n\n", aborted).ConfigureAwait(false);
                    await response.Body.FlushAsync(aborted).ConfigureAwait(false);
                    tick = timer.WaitForNextTickAsync(aborted).AsTask();
                    continue;
                }

                var more = await ready.ConfigureAwait(false);
                ready = null;
                if (!more)
                {
                    // Overflowed (the client is too slow) or the server is stopping: end; the client resumes with Last-Event-ID.
                    await response.WriteAsync(subscription.Overflowed ? ": overflow: reconnect with Last-Event-ID\n\n" : ": server stopping\n\n", aborted).ConfigureAwait(false);
                    break;
                }

                while (subscription.Events.TryRead(out var e))
                {
                    if (e.Sequence > cursor)
                    {
                        await WriteAsync(response, e, kind, subject, aborted).ConfigureAwait(false);
                        cursor = e.Sequence;
                    }
                }

                await response.Body.FlushAsync(aborted).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away.
        }

        return Results.Empty;
    }

    private static async Task<long> LatestAsync(SafetySystem system, CancellationToken cancellationToken)
    {
        var latest = await system.Events.ReadAsync(new EventQuery { Limit = 1 }, cancellationToken).ConfigureAwait(false);
        return latest.Count > 0 ? latest[0].Sequence : 0;
    }

    private static Task WriteAsync(HttpResponse response, SafetyEvent e, string? kind, string? subject, CancellationToken cancellationToken)
    {
        if ((kind is not null && !e.Kind.StartsWith(kind, StringComparison.Ordinal)) || (subject is not null && e.Subject != subject))
        {
            return Task.CompletedTask;
        }

        // One data line: the JSON has no raw newlines (strings escape them).
        var text = new StringBuilder()
            .Append("id: ").Append(e.Sequence.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("data: ").Append(JsonSerializer.Serialize(e, BulwarkJson.Options)).Append("\n\n")
            .ToString();
        return response.WriteAsync(text, cancellationToken);
    }
}
