using Bulwark.Configuration;
using Microsoft.Extensions.Configuration;

namespace Bulwark.Redundancy;

/// <summary>
/// Binds the top-level <c>redundancy:</c> section (the main loader delegates it here), strictly: every key must be known,
/// every value must parse, every problem is reported with its field path (<c>redundancy.services[0].replicas[1].zone</c>).
/// The rules on the values are <see cref="RedundancyOptionsValidator"/>'s.
/// </summary>
internal sealed class RedundancyConfigurationBinder : SectionBinder
{
    internal static readonly (string Name, RedundancyType Value)[] TypeNames =
    [
        ("activePassive", RedundancyType.ActivePassive),
        ("activeActive", RedundancyType.ActiveActive),
        ("loadDistributed", RedundancyType.LoadDistributed),
        ("hotStandby", RedundancyType.HotStandby),
        ("coldStandby", RedundancyType.ColdStandby),
        ("geographic", RedundancyType.Geographic),
    ];

    private static readonly (string Name, ReplicaRole Value)[] RoleNames = [("active", ReplicaRole.Active), ("standby", ReplicaRole.Standby)];

    private static readonly (string Name, bool Value)[] BooleanNames = [("true", true), ("false", false)];

    private static readonly (string Name, Trading.TradingState Value)[] BelowNames =
        [("reducing", Trading.TradingState.Reducing), ("halted", Trading.TradingState.Halted)];

    private RedundancyConfigurationBinder()
    {
    }

    /// <summary>The type as a file spells it.</summary>
    internal static string TypeName(RedundancyType type) => Array.Find(TypeNames, t => t.Value == type).Name ?? type.ToString();

    /// <summary>Binds the section; the options are meaningful only when there are no errors.</summary>
    public static (RedundancyOptions Options, IReadOnlyList<OptionsError> Errors) Bind(IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var binder = new RedundancyConfigurationBinder();
        var options = new RedundancyOptions();
        var node = new Node(section, OptionsPath.FromConfigurationKey(section.Path));
        if (binder.Keys(node, "services", "intervalSeconds", "staleAfterSeconds", "drillTimeoutSeconds"))
        {
            binder.List(node, "services", options.Services, binder.Service);
            binder.Number(node, "intervalSeconds", v => options.IntervalSeconds = v);
            binder.Number(node, "staleAfterSeconds", v => options.StaleAfterSeconds = v);
            binder.Number(node, "drillTimeoutSeconds", v => options.DrillTimeoutSeconds = v);
        }

        return (options, binder.Errors);
    }

    private RedundantServiceOptions Service(Node node)
    {
        var service = new RedundantServiceOptions();
        if (!Keys(node, "name", "type", "capacity", "level", "dependsOn", "trading", "failoverGroup", "process", "host", "zone", "region",
                "belowCapacity", "replicas"))
        {
            return service;
        }

        Text(node, "name", v => service.Name = v);
        Choice(node, "type", TypeNames, v => service.Type = v, () => service.Type = (RedundancyType)(-1));
        Integer(node, "capacity", v => service.Capacity = v);
        Integer(node, "level", v => service.Level = v);
        TextList(node, "dependsOn", service.DependsOn);
        Choice(node, "trading", BooleanNames, v => service.Trading = v);
        Text(node, "failoverGroup", v => service.FailoverGroup = v);
        Text(node, "process", v => service.Process = v);
        Text(node, "host", v => service.Host = v);
        Text(node, "zone", v => service.Zone = v);
        Text(node, "region", v => service.Region = v);
        Choice(node, "belowCapacity", BelowNames, v => service.BelowCapacity = v);
        List(node, "replicas", service.Replicas, Replica);
        return service;
    }

    private RedundantReplicaOptions Replica(Node node)
    {
        var replica = new RedundantReplicaOptions();
        if (!Keys(node, "name", "role", "host", "zone", "region", "component", "pidFile", "startCommand", "startArgs", "dryStartArgs"))
        {
            return replica;
        }

        Text(node, "name", v => replica.Name = v);
        Choice(node, "role", RoleNames, v => replica.Role = v);
        Text(node, "host", v => replica.Host = v);
        Text(node, "zone", v => replica.Zone = v);
        Text(node, "region", v => replica.Region = v);
        Text(node, "component", v => replica.Component = v);
        Text(node, "pidFile", v => replica.PidFile = v);
        Text(node, "startCommand", v => replica.StartCommand = v);
        TextList(node, "startArgs", replica.StartArgs);
        if (node.Child("dryStartArgs") is not null)
        {
            replica.DryStartArgs = new List<string>();
            TextList(node, "dryStartArgs", replica.DryStartArgs);
        }
        return replica;
    }
}
