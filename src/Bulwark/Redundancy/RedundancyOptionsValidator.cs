using System.Globalization;
using Bulwark.Configuration;

namespace Bulwark.Redundancy;

/// <summary>
/// The rules of the <c>redundancy:</c> section, checked once before anything runs, every violation with its field path
/// (<c>redundancy.services[1].replicas[0].zone</c>): names, N and k in range, every reference (service, failover group,
/// process, component) existing, dependencies without cycles, every replica placed (host, zone, region) and given a
/// source of health.
/// </summary>
internal static class RedundancyOptionsValidator
{
    private const string Root = "redundancy";
    private const int MaxCapacity = 1000;
    private const int MaxLevel = 100;
    private const double MaxSeconds = 3600;

    public static void Validate(List<OptionsError> errors, BulwarkOptions options)
    {
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Redundancy is not { } redundancy)
        {
            return;
        }

        Seconds(errors, OptionsPath.Key(Root, "intervalSeconds"), redundancy.IntervalSeconds);
        if (redundancy.StaleAfterSeconds is { } stale)
        {
            Seconds(errors, OptionsPath.Key(Root, "staleAfterSeconds"), stale);
        }

        Seconds(errors, OptionsPath.Key(Root, "drillTimeoutSeconds"), redundancy.DrillTimeoutSeconds);
        var servicesPath = OptionsPath.Key(Root, "services");
        if (redundancy.Services.Count == 0)
        {
            errors.Add(new(servicesPath, "at least one service is required"));
            return;
        }

        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < redundancy.Services.Count; i++)
        {
            var path = OptionsPath.Item(servicesPath, i);
            if (redundancy.Services[i] is not { } service)
            {
                errors.Add(new(path, "must not be null"));
                continue;
            }

            if (!BulwarkOptionsValidator.IsValidName(service.Name))
            {
                errors.Add(new(OptionsPath.Key(path, "name"), $"must be 1 to {BulwarkDefaults.MaxNameLength} letters, digits, '.', '_' or '-', got '{service.Name}'"));
            }
            else if (!names.TryAdd(service.Name, i))
            {
                errors.Add(new(OptionsPath.Key(path, "name"), $"'{service.Name}' is already the name of {OptionsPath.Item(servicesPath, names[service.Name])}"));
            }
        }

        for (var i = 0; i < redundancy.Services.Count; i++)
        {
            if (redundancy.Services[i] is { } service)
            {
                ValidateService(errors, options, OptionsPath.Item(servicesPath, i), service, names);
            }
        }

        ValidateCycles(errors, redundancy, names);
    }

    private static void ValidateService(List<OptionsError> errors, BulwarkOptions options, string path, RedundantServiceOptions service, Dictionary<string, int> names)
    {
        if (!Enum.IsDefined(service.Type))
        {
            // The binder reported the unreadable value; code that sets an undefined one gets this.
            errors.Add(new(OptionsPath.Key(path, "type"), $"must be one of {string.Join(", ", RedundancyConfigurationBinder.TypeNames.Select(t => t.Name))}"));
        }

        if (service.Capacity is < 1 or > MaxCapacity)
        {
            errors.Add(new(OptionsPath.Key(path, "capacity"), $"must be 1 to {MaxCapacity} (healthy replicas the service needs, N), got {Format(service.Capacity)}"));
        }

        // k = 0 would promise no spare at all, so nothing could fall short of it: a level is at least 1.
        if (service.Level is < 1 or > MaxLevel)
        {
            errors.Add(new(OptionsPath.Key(path, "level"), $"must be 1 to {MaxLevel} (spare replicas beyond N, k), got {Format(service.Level.Value)}"));
        }

        if (service.BelowCapacity is not (Trading.TradingState.Reducing or Trading.TradingState.Halted))
        {
            errors.Add(new(OptionsPath.Key(path, "belowCapacity"), "must be reducing or halted"));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var d = 0; d < service.DependsOn.Count; d++)
        {
            var dependency = service.DependsOn[d];
            var at = OptionsPath.Item(OptionsPath.Key(path, "dependsOn"), d);
            if (dependency == service.Name)
            {
                errors.Add(new(at, "a service cannot depend on itself"));
            }
            else if (!names.ContainsKey(dependency ?? ""))
            {
                errors.Add(new(at, $"no service named '{dependency}' (known: {string.Join(", ", names.Keys)})"));
            }
            else if (!seen.Add(dependency!))
            {
                errors.Add(new(at, $"'{dependency}' is listed twice"));
            }
        }

        var routed = false;
        if (service.FailoverGroup is { } group)
        {
            var groups = options.Failover?.Groups.Where(g => g is not null).ToList() ?? [];
            if (groups.FirstOrDefault(g => g.Name == group) is not { } found)
            {
                errors.Add(new(OptionsPath.Key(path, "failoverGroup"), groups.Count == 0
                    ? $"no failover group named '{group}': there is no failover section"
                    : $"no failover group named '{group}' (known: {string.Join(", ", groups.Select(g => g.Name))})"));
            }
            else
            {
                routed = found.Strategy != Failover.Routing.FailoverStrategy.ActivePassive;
            }
        }

        if (service.Process is { } process)
        {
            var processes = options.Recovery?.Processes.Where(p => p is not null).ToList() ?? [];
            if (!processes.Any(p => p.Name == process))
            {
                errors.Add(new(OptionsPath.Key(path, "process"), processes.Count == 0
                    ? $"no supervised process named '{process}': there is no recovery.processes"
                    : $"no supervised process named '{process}' (known: {string.Join(", ", processes.Select(p => p.Name))})"));
            }
            else if (routed)
            {
                errors.Add(new(OptionsPath.Key(path, "process"), $"the replicas come from the routed failover group '{service.FailoverGroup}' or from a process, not both"));
            }
        }

        ValidateReplicas(errors, options, path, service);
    }

    private static void ValidateReplicas(List<OptionsError> errors, BulwarkOptions options, string path, RedundantServiceOptions service)
    {
        var derived = RedundancyTopology.Derived(options, service).ToList();
        var replicasPath = OptionsPath.Key(path, "replicas");
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var r = 0; r < service.Replicas.Count; r++)
        {
            var at = OptionsPath.Item(replicasPath, r);
            if (service.Replicas[r] is not { } replica)
            {
                errors.Add(new(at, "must not be null"));
                continue;
            }

            if (!BulwarkOptionsValidator.IsValidName(replica.Name))
            {
                errors.Add(new(OptionsPath.Key(at, "name"), $"must be 1 to {BulwarkDefaults.MaxNameLength} letters, digits, '.', '_' or '-', got '{replica.Name}'"));
                continue;
            }

            if (!names.TryAdd(replica.Name, r))
            {
                errors.Add(new(OptionsPath.Key(at, "name"), $"'{replica.Name}' is already the name of {OptionsPath.Item(replicasPath, names[replica.Name])}"));
            }

            if (derived.Count > 0 && !derived.Any(d => d.Name == replica.Name))
            {
                errors.Add(new(OptionsPath.Key(at, "name"), $"is not one of the derived replicas ({string.Join(", ", derived.Select(d => d.Name))})"));
            }

            ValidateReplica(errors, options, at, service, replica, derived.Count > 0);
        }

        if (service.Replicas.Count == 0 && derived.Count == 0)
        {
            errors.Add(new(replicasPath, "at least one replica is required: list them, or derive them with process or a routed failoverGroup"));
        }

        var unlisted = derived.Where(d => !service.Replicas.Any(r => r?.Name == d.Name)).Select(d => d.Name).ToList();
        foreach (var (key, value) in new[] { ("host", service.Host), ("zone", service.Zone), ("region", service.Region) })
        {
            if (unlisted.Count > 0 && value is null)
            {
                errors.Add(new(OptionsPath.Key(path, key), $"is required: the derived replicas {string.Join(", ", unlisted)} are not listed with their own {key}"));
            }
        }
    }

    private static void ValidateReplica(List<OptionsError> errors, BulwarkOptions options, string at, RedundantServiceOptions service, RedundantReplicaOptions replica, bool derived)
    {
        foreach (var (key, own, fallback) in new[] { ("host", replica.Host, service.Host), ("zone", replica.Zone, service.Zone), ("region", replica.Region, service.Region) })
        {
            if (own is null && fallback is null)
            {
                errors.Add(new(OptionsPath.Key(at, key), "is required (here or on the service)"));
            }
        }

        if (replica.Component is { } component && !options.Components.Any(c => c?.Name == component))
        {
            errors.Add(new(OptionsPath.Key(at, "component"), $"no component named '{component}'"));
        }

        if (replica.Component is null && replica.PidFile is null && !derived && service.FailoverGroup is null && service.Process is null)
        {
            errors.Add(new(at, "needs a source of health: component or pidFile (or derive the replica from process or a routed failoverGroup)"));
        }

        var cold = service.Type == RedundancyType.ColdStandby && replica.Role == ReplicaRole.Standby;
        if (cold && replica.StartCommand is null)
        {
            errors.Add(new(OptionsPath.Key(at, "startCommand"), "is required for a cold standby (how to start it)"));
        }
        else if (!cold && replica.StartCommand is not null)
        {
            errors.Add(new(OptionsPath.Key(at, "startCommand"), "is only for a standby of a coldStandby service"));
        }

        if (replica.StartCommand is null && replica.StartArgs.Count > 0)
        {
            errors.Add(new(OptionsPath.Key(at, "startArgs"), "needs startCommand"));
        }

        if (replica.StartCommand is null && replica.DryStartArgs is not null)
        {
            errors.Add(new(OptionsPath.Key(at, "dryStartArgs"), "needs startCommand"));
        }
    }

    private static void ValidateCycles(List<OptionsError> errors, RedundancyOptions redundancy, Dictionary<string, int> names)
    {
        // Depth-first: a dependency on a service still on the path closes a cycle; report it once, at the service that closes it.
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 on the path, 2 done
        var reported = false;
        foreach (var start in names.Keys)
        {
            Visit(start, []);
        }

        void Visit(string name, List<string> trail)
        {
            if (reported || state.GetValueOrDefault(name) == 2 || !names.TryGetValue(name, out var index))
            {
                return;
            }

            state[name] = 1;
            trail.Add(name);
            var service = redundancy.Services[index];
            for (var d = 0; d < service.DependsOn.Count && !reported; d++)
            {
                var next = service.DependsOn[d];
                if (next == name)
                {
                    continue;
                }

                if (state.GetValueOrDefault(next ?? "") == 1)
                {
                    var cycle = trail.Skip(trail.IndexOf(next!)).Append(next!);
                    errors.Add(new(OptionsPath.Item(OptionsPath.Key(OptionsPath.Item(OptionsPath.Key(Root, "services"), index), "dependsOn"), d),
                        $"dependencies form a cycle: {string.Join(" -> ", cycle)}"));
                    reported = true;
                }
                else
                {
                    Visit(next ?? "", trail);
                }
            }

            trail.RemoveAt(trail.Count - 1);
            state[name] = 2;
        }
    }

    private static void Seconds(List<OptionsError> errors, string path, double value)
    {
        if (!(value > 0 && value <= MaxSeconds))
        {
            errors.Add(new(path, $"must be more than 0 and at most {Format(MaxSeconds)} seconds, got {Format(value)}"));
        }
    }

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}
