using Bulwark.Trading;

namespace Bulwark.Server.Reads;

/// <summary>
/// <c>GET /api/v1/status</c>: the system state; every component with its state, its last check and its checks; trading
/// (state, held scopes, kill switches) and failover (this replica's groups), each <c>configured: false</c> when its
/// section is not in the configuration.
/// </summary>
internal sealed record StatusView(
    DateTimeOffset At,
    SystemView System,
    IReadOnlyList<ComponentView> Components,
    TradingView Trading,
    FailoverView Failover)
{
    public static async Task<StatusView> BuildAsync(SafetySystem system, CancellationToken cancellationToken)
    {
        var report = system.Manager.GetStatus();
        var trading = system.Trading is { } bridge
            ? TradingView.From(await TradingSnapshot.TakeAsync(bridge, system.Events, cancellationToken).ConfigureAwait(false))
            : TradingView.NotConfigured;
        return new StatusView(
            report.UpdatedAt,
            new SystemView(report.System, report.SystemSince, report.StoreFault, report.Holds),
            report.Components.Select(ComponentView.From).ToList(),
            trading,
            FailoverView.From(system));
    }
}

/// <summary>The system state, since when, and what holds it at Critical beyond its checks.</summary>
internal sealed record SystemView(SafetyState State, DateTimeOffset? Since, string? StoreFault, IReadOnlyList<string> Holds);

/// <summary>One component: its state, when its latest check finished, and every check.</summary>
internal sealed record ComponentView(string Name, Criticality Criticality, SafetyState State, DateTimeOffset? Since, DateTimeOffset? LastCheckAt, IReadOnlyList<CheckReport> Checks)
{
    public static ComponentView From(ComponentStatus component) => new(
        component.Name,
        component.Criticality,
        component.State,
        component.Since,
        component.Checks.Max(c => c.LastRunAt),
        component.Checks);
}

/// <summary>The gate's trading state; <see cref="Configured"/> false (and nothing else) without a <c>trading:</c> section.</summary>
internal sealed record TradingView(bool Configured, TradingState? State, IReadOnlyList<ScopeSnapshot>? Scopes, IReadOnlyList<KillSwitchSnapshot>? KillSwitches)
{
    public static readonly TradingView NotConfigured = new(false, null, null, null);

    public static TradingView From(TradingSnapshot snapshot) => new(true, snapshot.State, snapshot.Scopes, snapshot.KillSwitches);
}

/// <summary>This replica in its failover groups; <see cref="Configured"/> false without a <c>failover:</c> section.</summary>
internal sealed record FailoverView(bool Configured, string? Replica, IReadOnlyList<GroupView>? Groups)
{
    public static FailoverView From(SafetySystem system) => system.Failover is not { } failover || system.Options.Failover is not { } options
        ? new FailoverView(false, null, null)
        : new FailoverView(true, options.Replica, failover.Electors
            .Select(e => new GroupView(e.Group, e.IsLeader, e.Token?.Value, e.LeadershipUnknown()))
            .ToList());
}

/// <summary>One group this replica competes in: whether it leads, its fencing token, and why leadership is unknown if it is.</summary>
internal sealed record GroupView(string Group, bool Leader, long? FencingToken, string? Unknown);
