using Bulwark.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Bulwark.Server.Dashboard;

/// <summary>
/// <c>GET /api/v1/positions</c> (viewer): the gate's position of every account in every symbol it has traded (average
/// price, realized P&amp;L), and how many orders are working; <c>configured: false</c> without a <c>trading:</c> section.
/// Read from the gate's live state, as its own limits see it.
/// </summary>
internal static class PositionsEndpoint
{
    public static IEndpointRouteBuilder MapBulwarkPositions(this IEndpointRouteBuilder api)
    {
        api.MapGet("/positions", (SafetySystem system) =>
        {
            if (system.Trading is not { } trading)
            {
                return Results.Ok(new PositionsView(false, "no trading: section in the configuration", null, null));
            }

            var gate = trading.Gate;
            var positions = new List<PositionView>();
            for (var account = 0; account < gate.Universe.AccountCount; account++)
            {
                for (var symbol = 0; symbol < gate.Universe.SymbolCount; symbol++)
                {
                    var p = gate.GetPosition(account, symbol);
                    if (p.Position != 0 || p.RealizedPnl != 0 || p.WorstCaseLong != 0 || p.WorstCaseShort != 0)
                    {
                        positions.Add(new PositionView(gate.Universe.AccountNames[account], gate.Universe.SymbolNames[symbol], p.Position,
                            double.IsFinite(p.AveragePrice) ? p.AveragePrice : null, double.IsFinite(p.RealizedPnl) ? p.RealizedPnl : null));
                    }
                }
            }

            return Results.Ok(new PositionsView(true, null, positions, gate.GetWorkingOrders().Count));
        }).RequireRole(ApiRole.Viewer).WithTags("reads").WithName("positions")
            .WithSummary("The gate's position of every account in every symbol it has traded, and the count of working orders.");
        return api;
    }
}

/// <summary>The positions, or why there are none to show.</summary>
internal sealed record PositionsView(bool Configured, string? Reason, IReadOnlyList<PositionView>? Positions, int? WorkingOrders);

/// <summary>One account's position in one symbol.</summary>
internal sealed record PositionView(string Account, string Symbol, long Position, double? AveragePrice, double? RealizedPnl);
