using System.Globalization;
using System.Text.Json;
using Bulwark.Server.Auth;
using Bulwark.Trading;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace Bulwark.Server.Writes;

/// <summary>
/// <c>PUT /api/v1/limits</c> with <c>{ "reason": "...", "trading": { ...the trading: section... } }</c>. The document is
/// bound by the configuration file's own binder (<see cref="TradingConfigurationBinder"/>, so every error has the path
/// the YAML would give, e.g. <c>trading.firm.maximumOrderQuantity</c>) and applied through
/// <see cref="TradingLimitsChange"/>, the SIGHUP reload's path: validated whole, applied atomically or not at all,
/// audited as <c>trading.limits_changed</c> (or <c>trading.limits_change_refused</c>) with the key's owner and the reason.
/// </summary>
internal static class LimitsEndpoint
{
    private const string Section = "trading";

    public static async Task<IResult> HandleAsync(HttpContext context, SafetySystem system)
    {
        if (system.Trading is not { } trading)
        {
            return WriteEndpoints.NotConfigured("trading", "trading");
        }

        var (document, problem) = await JsonBody.ReadDocumentAsync(context).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        using (document)
        {
            var errors = new FieldErrors();
            string? reason = null;
            JsonElement? section = null;
            foreach (var property in document!.RootElement.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "reason" when property.Value.ValueKind == JsonValueKind.String:
                        reason = errors.Text(property.Value.GetString(), "reason");
                        break;
                    case "reason":
                        errors.Add("reason", "must be a string");
                        break;
                    case Section when property.Value.ValueKind == JsonValueKind.Object:
                        section = property.Value;
                        break;
                    case Section:
                        errors.Add(Section, "must be an object: the trading: section of the configuration, as JSON");
                        break;
                    default:
                        errors.Add(property.Name, "unknown field (expected reason and trading)");
                        break;
                }
            }

            if (reason is null && !errors.Any)
            {
                errors.Add("reason", "is required");
            }

            if (section is null && !errors.Any)
            {
                errors.Add(Section, "is required: the whole trading: section, as JSON");
            }

            RiskGateOptions? options = null;
            if (section is { } value)
            {
                var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
                Flatten(value, Section, Section, values, errors);
                if (!errors.Any)
                {
                    var bound = TradingConfigurationBinder.Bind(new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection(Section));
                    foreach (var error in bound.Errors)
                    {
                        errors.Add(error.Path, error.Message);
                    }

                    options = bound.Gate;
                }
            }

            if (errors.Any || options is null)
            {
                return errors.ToProblem();
            }

            var caller = ApiCaller.From(context)!;
            var (refused, notWritten) = await TradingLimitsChange.ApplyAsync(trading, options, caller.Actor, reason!, CancellationToken.None).ConfigureAwait(false);
            if (refused.Count > 0)
            {
                var refusal = new FieldErrors();
                foreach (var error in refused)
                {
                    refusal.Add(error.Path, error.Message);
                }

                return refusal.ToProblem();
            }

            if (notWritten is not null)
            {
                // Applied: the audit event waits in memory for the next flush, which retries it.
                context.Response.Headers.Append("Warning", $"199 bulwark \"applied; the audit event is not written yet: {notWritten.Message.ReplaceLineEndings(" ")}\"");
            }

            return TypedResults.Json(new LimitsResponse(true, caller.Actor, reason!, options.EnabledChecks.ToString()), WriteJsonContext.Default.LimitsResponse);
        }
    }

    /// <summary>
    /// JSON as configuration keys, the shape the YAML provider gives the binder: objects by key, arrays by index, scalars
    /// as their text (a number exactly as written, so the binder judges its range); null is an empty value (refused by the
    /// binder like <c>~</c> in YAML). <paramref name="path"/> is the binder's form, for the errors found here.
    /// </summary>
    private static void Flatten(JsonElement element, string key, string path, Dictionary<string, string?> values, FieldErrors errors)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var any = false;
                foreach (var property in element.EnumerateObject())
                {
                    any = true;
                    if (property.Name.Length == 0 || property.Name.Contains(':', StringComparison.Ordinal))
                    {
                        errors.Add($"{path}.{property.Name}", "a key must be a non-empty name without ':'");
                        continue;
                    }

                    Flatten(property.Value, $"{key}:{property.Name}", $"{path}.{property.Name}", values, errors);
                }

                if (!any)
                {
                    values[key] = "";
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    var i = index.ToString(CultureInfo.InvariantCulture);
                    Flatten(item, $"{key}:{i}", $"{path}[{i}]", values, errors);
                    index++;
                }

                if (index == 0)
                {
                    values[key] = "";
                }

                break;
            default:
                if (!values.TryAdd(key, element.ValueKind switch
                    {
                        JsonValueKind.String => element.GetString(),
                        JsonValueKind.Number => element.GetRawText(),
                        JsonValueKind.True => "true",
                        JsonValueKind.False => "false",
                        _ => "",
                    }))
                {
                    errors.Add(path, "given twice (keys are not case-sensitive)");
                }

                break;
        }
    }
}
