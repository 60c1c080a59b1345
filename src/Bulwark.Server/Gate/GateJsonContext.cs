using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bulwark.Server.Gate;

/// <summary>Source-generated JSON of the gate's messages: no reflection per order, unknown fields refused.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    NumberHandling = JsonNumberHandling.Strict,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(OrderCheckRequest))]
[JsonSerializable(typeof(OrderCheckResponse))]
[JsonSerializable(typeof(ExecutionRequest))]
[JsonSerializable(typeof(ExecutionResponse))]
[JsonSerializable(typeof(MarkRequest))]
[JsonSerializable(typeof(MarkResponse))]
internal sealed partial class GateJsonContext : JsonSerializerContext;
