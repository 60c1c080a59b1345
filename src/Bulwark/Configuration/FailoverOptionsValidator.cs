using System.Globalization;

namespace Bulwark.Configuration;

/// <summary>The rules of the <c>failover:</c> section, each error with its field path.</summary>
internal static class FailoverOptionsValidator
{
    public static void Validate(List<OptionsError> errors, BulwarkOptions options)
    {
        if (options.Failover is not { } failover)
        {
            return;
        }

        if (!BulwarkOptionsValidator.IsValidName(failover.Replica))
        {
            errors.Add(new("failover.replica", $"must name this replica: 1 to {BulwarkDefaults.MaxNameLength} letters, digits, '.', '_' or '-', got '{failover.Replica}'"));
        }

        var coordinator = failover.Coordinator;
        switch (coordinator.Backend)
        {
            case CoordinatorBackend.Sqlite when string.IsNullOrWhiteSpace(coordinator.Path):
                errors.Add(new("failover.coordinator.path", "must name the lease file (relative to dataDirectory), for example leases.db"));
                break;
            case CoordinatorBackend.PostgreSql when string.IsNullOrWhiteSpace(coordinator.ConnectionString):
                errors.Add(new("failover.coordinator.connectionString", "is required for the postgresql backend, for example 'Host=db1;Username=bulwark;Database=bulwark'"));
                break;
            case CoordinatorBackend.Etcd:
                ValidateEndpoints(errors, coordinator.Endpoints);
                break;
        }

        if (coordinator.ShareKillSwitch == true && coordinator.Backend == CoordinatorBackend.Sqlite)
        {
            errors.Add(new("failover.coordinator.shareKillSwitch", "needs the postgresql or etcd backend: SQLite cannot share the kill switch between machines"));
        }

        if (failover.Groups.Count == 0)
        {
            errors.Add(new("failover.groups", "at least one group is required"));
        }

        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var tradingGroups = new List<int>();
        for (var i = 0; i < failover.Groups.Count; i++)
        {
            var path = OptionsPath.Item("failover.groups", i);
            var group = failover.Groups[i];
            if (!BulwarkOptionsValidator.IsValidName(group.Name))
            {
                errors.Add(new(OptionsPath.Key(path, "name"), $"must be 1 to {BulwarkDefaults.MaxNameLength} letters, digits, '.', '_' or '-', got '{group.Name}'"));
            }
            else if (!names.TryAdd(group.Name, i))
            {
                errors.Add(new(OptionsPath.Key(path, "name"), $"'{group.Name}' is already the name of failover.groups[{names[group.Name]}]"));
            }

            if (group.Trading)
            {
                tradingGroups.Add(i);
            }

            if (group.Observe && (group.Trading || group.Strategy != Failover.Routing.FailoverStrategy.ActivePassive))
            {
                errors.Add(new(OptionsPath.Key(path, "observe"), group.Trading
                    ? "an observed group cannot carry the risk gate (trading: true): this process never leads it"
                    : "only an active-passive group can be observed; a routed group's replicas are already watched, not led"));
            }

            ValidateTiming(errors, path, group);
            ValidateStrategy(errors, path, group, options);
        }

        if (tradingGroups.Count > 1)
        {
            errors.Add(new(OptionsPath.Key(OptionsPath.Item("failover.groups", tradingGroups[1]), "trading"),
                $"only one group can carry the risk gate; failover.groups[{tradingGroups[0]}] already does"));
        }
        else if (tradingGroups.Count == 1 && options.Trading is null)
        {
            errors.Add(new(OptionsPath.Key(OptionsPath.Item("failover.groups", tradingGroups[0]), "trading"),
                "is true but there is no trading: section (no risk gate to follow this group's leadership)"));
        }
    }

    private static void ValidateStrategy(List<OptionsError> errors, string path, FailoverGroupOptions group, BulwarkOptions options)
    {
        var routed = group.Strategy != Failover.Routing.FailoverStrategy.ActivePassive;
        var pooled = group.Strategy is Failover.Routing.FailoverStrategy.ActiveActive or Failover.Routing.FailoverStrategy.LoadBalanced;
        if (!routed && group.Replicas.Count > 0)
        {
            errors.Add(new(OptionsPath.Key(path, "replicas"), "are for active-active, load-balanced and circuit-breaker groups; an active-passive group's replicas are the processes competing for its lease"));
        }

        if (routed && group.Replicas.Count == 0)
        {
            errors.Add(new(OptionsPath.Key(path, "replicas"), $"at least one replica is required for a {Name(group.Strategy)} group"));
        }

        if (routed && group.Trading)
        {
            errors.Add(new(OptionsPath.Key(path, "trading"), "only an active-passive group (a lease) can carry the risk gate's leadership"));
        }

        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < group.Replicas.Count; i++)
        {
            var replica = group.Replicas[i];
            var at = OptionsPath.Item(OptionsPath.Key(path, "replicas"), i);
            if (!BulwarkOptionsValidator.IsValidName(replica.Name))
            {
                errors.Add(new(OptionsPath.Key(at, "name"), $"must be 1 to {BulwarkDefaults.MaxNameLength} letters, digits, '.', '_' or '-', got '{replica.Name}'"));
            }
            else if (!names.TryAdd(replica.Name, i))
            {
                errors.Add(new(OptionsPath.Key(at, "name"), $"'{replica.Name}' is already the name of replicas[{names[replica.Name]}]"));
            }
            else if (pooled && !options.Components.Any(c => c.Name == replica.Name))
            {
                errors.Add(new(OptionsPath.Key(at, "name"), $"no component named '{replica.Name}': a {Name(group.Strategy)} replica's health is the state of the component of the same name"));
            }

            if (string.IsNullOrWhiteSpace(replica.Address))
            {
                errors.Add(new(OptionsPath.Key(at, "address"), "is required (where to reach the replica, for example http://10.0.0.5:8080)"));
            }

            if (!(replica.Weight > 0) || !double.IsFinite(replica.Weight))
            {
                errors.Add(new(OptionsPath.Key(at, "weight"), $"must be greater than 0, got {Format(replica.Weight)}"));
            }
            else if (replica.Weight > BulwarkDefaults.MaxWeight)
            {
                errors.Add(new(OptionsPath.Key(at, "weight"), $"must be at most {Format(BulwarkDefaults.MaxWeight)}, got {Format(replica.Weight)}"));
            }
        }

        if (group.RequiredHealthy != 0 && !pooled)
        {
            errors.Add(new(OptionsPath.Key(path, "requiredHealthy"), "applies to active-active and load-balanced groups only"));
        }
        else if (group.RequiredHealthy < 0 || (pooled && group.RequiredHealthy > group.Replicas.Count))
        {
            errors.Add(new(OptionsPath.Key(path, "requiredHealthy"), $"must be between 0 and the number of replicas ({group.Replicas.Count}), got {group.RequiredHealthy}"));
        }
        else if (group.RequiredHealthy > 0 && options.Trading is null)
        {
            errors.Add(new(OptionsPath.Key(path, "requiredHealthy"), "needs a trading: section (the risk gate is what degrades)"));
        }
    }

    private static string Name(Failover.Routing.FailoverStrategy strategy) => strategy switch
    {
        Failover.Routing.FailoverStrategy.ActiveActive => "active-active",
        Failover.Routing.FailoverStrategy.LoadBalanced => "load-balanced",
        Failover.Routing.FailoverStrategy.CircuitBreaker => "circuit-breaker",
        _ => "active-passive",
    };

    private static void ValidateTiming(List<OptionsError> errors, string path, FailoverGroupOptions group)
    {
        var before = errors.Count;
        BulwarkOptionsValidator.Duration(errors, OptionsPath.Key(path, "leaseSeconds"), group.LeaseSeconds);
        BulwarkOptionsValidator.Duration(errors, OptionsPath.Key(path, "renewIntervalSeconds"), group.RenewIntervalSeconds);
        BulwarkOptionsValidator.Duration(errors, OptionsPath.Key(path, "retryIntervalSeconds"), group.RetryIntervalSeconds);
        BulwarkOptionsValidator.Duration(errors, OptionsPath.Key(path, "safetyMarginSeconds"), group.SafetyMarginSeconds);
        if (errors.Count != before)
        {
            return;
        }

        if (group.SafetyMarginSeconds >= group.LeaseSeconds)
        {
            errors.Add(new(OptionsPath.Key(path, "safetyMarginSeconds"),
                $"must be less than leaseSeconds ({Format(group.LeaseSeconds)}), got {Format(group.SafetyMarginSeconds)}"));
        }
        else if (group.RenewIntervalSeconds >= group.LeaseSeconds - group.SafetyMarginSeconds)
        {
            errors.Add(new(OptionsPath.Key(path, "renewIntervalSeconds"),
                $"must be less than leaseSeconds less safetyMarginSeconds ({Format(group.LeaseSeconds - group.SafetyMarginSeconds)}), got {Format(group.RenewIntervalSeconds)}: the leader would lose its lease between renewals"));
        }
    }

    private static void ValidateEndpoints(List<OptionsError> errors, string? endpoints)
    {
        const string Path = "failover.coordinator.endpoints";
        if (string.IsNullOrWhiteSpace(endpoints))
        {
            errors.Add(new(Path, "is required for the etcd backend, for example http://10.0.0.1:2379,http://10.0.0.2:2379,http://10.0.0.3:2379"));
            return;
        }

        foreach (var endpoint in endpoints.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.IsDefaultPort && !endpoint.Contains(':', StringComparison.Ordinal))
            {
                errors.Add(new(Path, $"each endpoint must be an http:// or https:// URL with a port, got '{endpoint}'"));
            }
        }
    }

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}
