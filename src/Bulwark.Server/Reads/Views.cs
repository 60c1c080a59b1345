using System.Text.Json;
using System.Text.Json.Nodes;
using Bulwark.Storage;

namespace Bulwark.Server.Reads;

/// <summary>
/// The two shapes of a part's read: <c>{ "configured": false, "reason": ... }</c> when its section is not in the
/// configuration (never made-up data), and the part's own report with <c>"configured": true</c> first. Reports are
/// serialized with the CLI's <c>--json</c> settings, so <c>/api/v1/sla</c> and <c>bulwark sla --json</c> agree.
/// </summary>
internal static class Views
{
    public static JsonObject NotConfigured(string reason) => new() { ["configured"] = false, ["reason"] = reason };

    public static JsonObject Configured<T>(T report)
    {
        var node = JsonSerializer.SerializeToNode(report, BulwarkJson.Options) as JsonObject ?? throw new InvalidOperationException("a report is a JSON object");
        node.Insert(0, "configured", true);
        return node;
    }

    /// <summary>A report that is a list (or anything else), under <paramref name="name"/>.</summary>
    public static JsonObject Configured<T>(string name, T items) =>
        new() { ["configured"] = true, [name] = JsonSerializer.SerializeToNode(items, BulwarkJson.Options) };
}
