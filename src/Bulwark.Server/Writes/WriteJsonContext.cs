using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bulwark.Server.Writes;

/// <summary>
/// Source-generated JSON for the writes: camelCase, unknown fields refused (so a typo is an error naming it, never a
/// value silently dropped), no reflection per request.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    NumberHandling = JsonNumberHandling.Strict,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(KillSwitchRequest))]
[JsonSerializable(typeof(KillSwitchResponse))]
[JsonSerializable(typeof(IncidentNoteRequest))]
[JsonSerializable(typeof(IncidentActionResponse))]
[JsonSerializable(typeof(PlanRequest))]
[JsonSerializable(typeof(SwitchoverRequest))]
[JsonSerializable(typeof(SwitchoverResponse))]
[JsonSerializable(typeof(DryRunResponse))]
[JsonSerializable(typeof(OperationView))]
[JsonSerializable(typeof(LimitsResponse))]
internal sealed partial class WriteJsonContext : JsonSerializerContext;
