using Bulwark.Server.Auth;
using Bulwark.Server.Writes;
using Bulwark.Trading;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Bulwark.Server.Gate;

/// <summary>
/// The risk gate over HTTP for engines that are not .NET (engine role): order checks through <see cref="RiskGate.Check"/>,
/// executions through <see cref="RiskGate.OnAck"/>, <see cref="RiskGate.OnFill"/>, <see cref="RiskGate.OnCancel"/> and
/// <see cref="RiskGate.OnReject"/> (which the trading journal records), and reference prices through
/// <see cref="RiskGate.UpdateReferencePrice"/> (collars and market orders need a fresh one). Of the running system's
/// <see cref="TradingSafetyBridge"/>; 503 when it has no <c>trading:</c> section. A body that cannot be an order (a
/// field missing, of the wrong type, out of range, an unknown side or type) is a 400 naming the field, and the gate never
/// sees it; an order that can be read always gets the gate's decision, accepted or rejected with its reason (an unknown
/// account is the gate's <c>UnknownAccount</c>, fail closed, counted like every rejection).
/// </summary>
internal static class GateEndpoints
{
    /// <summary>The largest quantity or price the gate takes over HTTP: the configuration's bound, beyond any real order.</summary>
    public const double MaximumValue = TradingConfigurationBinder.MaximumValue;

    private static readonly string[] ReasonNames = Enum.GetNames<RiskRejectReason>();

    public static IEndpointRouteBuilder MapBulwarkGate(this IEndpointRouteBuilder api)
    {
        var gate = api.MapGroup("").RequireRole(ApiRole.Engine).WithTags("gate");
        gate.MapPost("/orders/check", CheckAsync).Body<OrderCheckRequest, OrderCheckResponse>().WithName("checkOrder")
            .WithSummary("Pre-trade check of one order: accepted with the fencing token to stamp on it, or rejected with the reason, limit and value.");
        gate.MapPost("/executions", ExecutionAsync).Body<ExecutionRequest, ExecutionResponse>().WithName("reportExecution")
            .WithSummary("An ack, fill, cancel or reject of a checked order: releases or moves what the order holds.");
        gate.MapPost("/marks", MarkAsync).Body<MarkRequest, MarkResponse>().WithName("reportMark")
            .WithSummary("A symbol's reference price (last trade or mid), for price collars and market orders.");
        return api;
    }

    private static async Task<IResult> CheckAsync(HttpContext context, SafetySystem system)
    {
        if (system.Trading is not { } trading)
        {
            return WriteEndpoints.NotConfigured("trading (the risk gate)", "trading");
        }

        var (body, problem) = await JsonBody.ReadAsync(context, GateJsonContext.Default.OrderCheckRequest).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new FieldErrors();
        var account = errors.Name(body!.Account, "account");
        var strategy = errors.Name(body.Strategy, "strategy");
        var symbol = errors.Name(body.Symbol, "symbol");
        var side = Side(body.Side, errors);
        var type = Type(body.Type, errors);
        var quantity = Quantity(body.Quantity, "quantity", errors);
        var price = type == OrderType.Market && body.Price is null ? 0 : Price(body.Price, "price", errors);
        if (errors.Required(body.ClientOrderId, "clientOrderId") && body.ClientOrderId <= 0)
        {
            errors.Add("clientOrderId", "must be a positive whole number, unique for the life of the gate");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var gate = trading.Gate;
        var order = new OrderRequest(body.ClientOrderId!.Value, gate.GetAccountId(account!), gate.GetStrategyId(strategy!), gate.GetSymbolId(symbol!), side, quantity, price, type);
        var decision = gate.Check(in order);
        return TypedResults.Json(
            decision.IsAccepted
                ? new OrderCheckResponse(true, null, null, null, decision.FencingToken)
                : new OrderCheckResponse(false, ReasonNames[(int)decision.Reason], Number(decision.Limit), Number(decision.Value), decision.FencingToken),
            GateJsonContext.Default.OrderCheckResponse);
    }

    private static async Task<IResult> ExecutionAsync(HttpContext context, SafetySystem system)
    {
        if (system.Trading is not { } trading)
        {
            return WriteEndpoints.NotConfigured("trading (the risk gate)", "trading");
        }

        var (body, problem) = await JsonBody.ReadAsync(context, GateJsonContext.Default.ExecutionRequest).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new FieldErrors();
        var kind = body!.Type?.ToLowerInvariant();
        if (errors.Required(body.Type, "type") && kind is not ("ack" or "fill" or "cancel" or "reject"))
        {
            errors.Add("type", $"expected ack, fill, cancel or reject, got '{KillSwitchEndpoint.Shorten(body.Type!)}'");
        }

        if (errors.Required(body.ClientOrderId, "clientOrderId") && body.ClientOrderId <= 0)
        {
            errors.Add("clientOrderId", "must be a positive whole number");
        }

        long quantity = 0;
        double price = 0;
        if (kind == "fill")
        {
            if (errors.Required(body.ExecutionId, "executionId") && body.ExecutionId <= 0)
            {
                errors.Add("executionId", "must be a positive whole number, unique per fill");
            }

            quantity = Quantity(body.Quantity, "quantity", errors);
            price = Price(body.Price, "price", errors);
        }
        else
        {
            Only(body.ExecutionId, "executionId", "fill", errors);
            Only(body.Quantity, "quantity", "fill", errors);
            Only(body.Price, "price", "fill", errors);
        }

        if (kind != "reject")
        {
            Only(body.VenueError, "venueError", "reject", errors);
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var gate = trading.Gate;
        var id = body.ClientOrderId!.Value;
        var applied = kind switch
        {
            "ack" => gate.OnAck(id),
            "fill" => gate.OnFill(id, body.ExecutionId!.Value, quantity, price),
            "cancel" => gate.OnCancel(id),
            _ => gate.OnReject(id, body.VenueError ?? false),
        };
        return TypedResults.Json(
            new ExecutionResponse(applied, kind!, id, applied ? null : kind == "fill"
                ? "not applied: the order is unknown, the execution id was already applied, or the position would overflow"
                : "not applied: the order is unknown or already finished"),
            GateJsonContext.Default.ExecutionResponse);
    }

    private static async Task<IResult> MarkAsync(HttpContext context, SafetySystem system)
    {
        if (system.Trading is not { } trading)
        {
            return WriteEndpoints.NotConfigured("trading (the risk gate)", "trading");
        }

        var (body, problem) = await JsonBody.ReadAsync(context, GateJsonContext.Default.MarkRequest).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new FieldErrors();
        var symbol = errors.Name(body!.Symbol, "symbol");
        var id = symbol is null ? -1 : trading.Gate.GetSymbolId(symbol);
        if (symbol is not null && id < 0)
        {
            errors.Add("symbol", $"no instrument '{KillSwitchEndpoint.Shorten(symbol)}' is configured in trading:");
        }

        var price = Price(body.Price, "price", errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        trading.Gate.UpdateReferencePrice(id, price);
        return TypedResults.Json(new MarkResponse(symbol!, price), GateJsonContext.Default.MarkResponse);
    }

    private static OrderSide Side(string? text, FieldErrors errors)
    {
        if (!errors.Required(text, "side"))
        {
            return default;
        }

        if (string.Equals(text, "buy", StringComparison.OrdinalIgnoreCase))
        {
            return OrderSide.Buy;
        }

        if (string.Equals(text, "sell", StringComparison.OrdinalIgnoreCase))
        {
            return OrderSide.Sell;
        }

        errors.Add("side", $"expected buy or sell, got '{KillSwitchEndpoint.Shorten(text!)}'");
        return default;
    }

    private static OrderType Type(string? text, FieldErrors errors)
    {
        if (text is null || string.Equals(text, "limit", StringComparison.OrdinalIgnoreCase))
        {
            return OrderType.Limit;
        }

        if (string.Equals(text, "market", StringComparison.OrdinalIgnoreCase))
        {
            return OrderType.Market;
        }

        errors.Add("type", $"expected limit or market, got '{KillSwitchEndpoint.Shorten(text)}'");
        return OrderType.Limit;
    }

    private static long Quantity(long? value, string field, FieldErrors errors)
    {
        if (!errors.Required(value, field))
        {
            return 0;
        }

        if (value <= 0 || value > (long)MaximumValue)
        {
            errors.Add(field, $"must be a whole number from 1 to {MaximumValue:0.#e0}");
            return 0;
        }

        return value!.Value;
    }

    private static double Price(double? value, string field, FieldErrors errors)
    {
        if (!errors.Required(value, field))
        {
            return 0;
        }

        if (!(double.IsFinite(value!.Value) && value > 0 && value <= MaximumValue))
        {
            errors.Add(field, $"must be a finite number above 0 and at most {MaximumValue:0.#e0}");
            return 0;
        }

        return value.Value;
    }

    private static void Only<T>(T? value, string field, string kind, FieldErrors errors)
    {
        if (value is not null)
        {
            errors.Add(field, $"applies to a {kind} only");
        }
    }

    private static double? Number(double value) => double.IsFinite(value) ? value : null;
}
