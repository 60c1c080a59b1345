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

            ValidateTiming(errors, path, group);
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

    private static void ValidateTiming(List<OptionsError> errors, string path, FailoverGroupOptions group)
    {
        var before = errors.Count;
        Positive(errors, OptionsPath.Key(path, "leaseSeconds"), group.LeaseSeconds);
        Positive(errors, OptionsPath.Key(path, "renewIntervalSeconds"), group.RenewIntervalSeconds);
        Positive(errors, OptionsPath.Key(path, "retryIntervalSeconds"), group.RetryIntervalSeconds);
        Positive(errors, OptionsPath.Key(path, "safetyMarginSeconds"), group.SafetyMarginSeconds);
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

    private static void Positive(List<OptionsError> errors, string path, double value)
    {
        if (!(value > 0) || !double.IsFinite(value))
        {
            errors.Add(new(path, $"must be greater than 0, got {Format(value)}"));
        }
    }

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}
