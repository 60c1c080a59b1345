using System.Text.Json;
using Bulwark.Storage;

namespace Bulwark.Redundancy;

/// <summary>The drills recorded in the event log (<c>redundancy.drill</c> events), newest first: for <c>bulwark drill history</c> and the server's <c>/api/v1/drills</c>.</summary>
internal static class DrillHistory
{
    /// <summary>The latest <paramref name="count"/> drills, newest first; an event whose evidence cannot be read is left out.</summary>
    public static async Task<IReadOnlyList<DrillReport>> ReadAsync(IEventStore store, int count, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var events = await store.ReadAsync(new EventQuery { KindPrefix = RedundancyEventKinds.Drill, Limit = count }, cancellationToken).ConfigureAwait(false);
        return events.Where(e => e.Kind == RedundancyEventKinds.Drill && e.Evidence is { Length: > 0 })
            .Select(e => TryParse(e.Evidence!)).OfType<DrillReport>().Reverse().ToList();
    }

    private static DrillReport? TryParse(string evidence)
    {
        try
        {
            return JsonSerializer.Deserialize<DrillReport>(evidence, BulwarkJson.Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
