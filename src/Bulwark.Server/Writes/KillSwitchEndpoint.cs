using Bulwark.Server.Auth;
using Bulwark.Server.Problems;
using Bulwark.Trading;
using Microsoft.AspNetCore.Http;

namespace Bulwark.Server.Writes;

/// <summary>
/// <c>POST /api/v1/kill-switch</c>: <see cref="KillSwitch.EngageAsync"/> or <see cref="KillSwitch.ReleaseAsync"/> of the
/// running system's trading bridge, the same latch the shared kill switch and the dashboard use, recorded as
/// <c>killswitch.engaged</c> / <c>killswitch.released</c> with the key's owner as actor and the reason as cause.
/// </summary>
internal static class KillSwitchEndpoint
{
    public static async Task<IResult> HandleAsync(HttpContext context, SafetySystem system)
    {
        if (system.Trading is not { } trading)
        {
            return WriteEndpoints.NotConfigured("trading", "trading");
        }

        var (body, problem) = await JsonBody.ReadAsync(context, WriteJsonContext.Default.KillSwitchRequest).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new FieldErrors();
        var scope = ParseScope(body!.Scope, trading.Gate, errors);
        errors.Required(body.Engage, "engage");
        var reason = errors.Text(body.Reason, "reason");
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var caller = ApiCaller.From(context)!;
        var engage = body.Engage!.Value;
        if (!engage && !caller.Allows(ApiRole.Operator))
        {
            return ProblemWriter.Result(StatusCodes.Status403Forbidden, "Forbidden",
                $"releasing a kill switch needs the operator role; this key has the {ApiRoles.Name(caller.Role)} role (an engine may engage, never release)", "engage");
        }

        string? warning = null;
        try
        {
            if (engage)
            {
                await trading.KillSwitch.EngageAsync(scope, caller.Actor, reason!, context.RequestAborted).ConfigureAwait(false);
            }
            else
            {
                await trading.KillSwitch.ReleaseAsync(scope, caller.Actor, reason!, context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (KillSwitchNotDurableException ex) when (engage)
        {
            // Engaged (orders are refused now), not yet on the store: the write is retried until it lands.
            warning = ex.Message;
        }
        catch (KillSwitchNotDurableException ex)
        {
            return ProblemWriter.Result(StatusCodes.Status409Conflict, "Not released", ex.Message, "engage");
        }
        catch (ArgumentException ex) when (ex.ParamName == "who")
        {
            return ProblemWriter.Result(StatusCodes.Status403Forbidden, "Forbidden",
                $"this key's name cannot be recorded as who changed the kill switch ({ex.Message}); add a key with a shorter plain name", "authorization");
        }

        var durable = trading.KillSwitch.NotDurable;
        return TypedResults.Json(
            new KillSwitchResponse(scope.ToString(), trading.KillSwitch.IsEngaged(scope), caller.Actor, reason!, !durable.Scopes.Contains(scope.ToString()), warning),
            WriteJsonContext.Default.KillSwitchResponse);
    }

    /// <summary><c>firm</c>, or a kind and a name the gate knows: a switch on a scope that does not exist would guard nothing.</summary>
    private static TradingScope ParseScope(string? text, RiskGate gate, FieldErrors errors)
    {
        if (!errors.Required(text, "scope"))
        {
            return default;
        }

        if (!TradingScope.TryParse(text, out var scope))
        {
            errors.Add("scope", $"expected firm, account:ID, strategy:ID or symbol:SYM, got '{Shorten(text!)}'");
            return default;
        }

        var known = scope.Level switch
        {
            ScopeLevel.Firm => true,
            ScopeLevel.Account => gate.GetAccountId(scope.Name) >= 0,
            ScopeLevel.Strategy => gate.GetStrategyId(scope.Name) >= 0,
            _ => gate.GetSymbolId(scope.Name) >= 0,
        };
        if (!known)
        {
            errors.Add("scope", $"no {scope.Level.ToString().ToLowerInvariant()} '{Shorten(scope.Name)}' is configured in trading:");
        }

        return scope;
    }

    internal static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "...";
}
