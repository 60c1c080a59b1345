using Bulwark.Recovery;

namespace Bulwark.Redundancy;

/// <summary>One replica as the checks see it: placement resolved (its own, else its service's) and its health source.</summary>
internal sealed record ReplicaTopology(
    string Service, string Name, ReplicaRole Role, string Host, string Zone, string Region, string? Component, string? PidFile,
    string? StartCommand, IReadOnlyList<string> StartArgs, bool Supervised = false, IReadOnlyList<string>? DryStartArgs = null);

/// <summary>One service as the checks see it: N, k and its replicas, derived ones included.</summary>
internal sealed record ServiceTopology(
    string Name, RedundancyType Type, int Capacity, int Level, IReadOnlyList<string> DependsOn, bool Trading, string? FailoverGroup,
    Trading.TradingState BelowCapacity, IReadOnlyList<ReplicaTopology> Replicas);

/// <summary>
/// The <c>redundancy:</c> section resolved: each service's replicas, those derived from a routed failover group (its replica
/// list, health from the component of the same name) or a supervised process (<c>NAME.i</c>, health from its pid files),
/// with the placement listed for them or given on the service, so nothing is written twice.
/// </summary>
internal static class RedundancyTopology
{
    /// <summary>The services of <paramref name="options"/>; empty without a <c>redundancy:</c> section. Unresolvable placement is left empty (the validator reports it).</summary>
    public static IReadOnlyList<ServiceTopology> Resolve(BulwarkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Redundancy is not { } redundancy)
        {
            return [];
        }

        var services = new List<ServiceTopology>();
        foreach (var service in redundancy.Services)
        {
            if (service is null)
            {
                continue;
            }

            var replicas = Derived(options, service)
                .Select(d => (d.Name, d.Component, d.PidFile, Listed: service.Replicas.FirstOrDefault(r => r?.Name == d.Name), Supervised: service.Process is not null))
                .ToList();
            replicas.AddRange(service.Replicas
                .Where(r => r is not null && !replicas.Any(d => d.Name == r.Name))
                .Select(r => (r.Name, (string?)null, (string?)null, (RedundantReplicaOptions?)r, false)));
            services.Add(new ServiceTopology(
                service.Name, service.Type, service.Capacity, service.Level ?? options.RedundancyLevel, [.. service.DependsOn], service.Trading,
                service.FailoverGroup, service.BelowCapacity,
                replicas.Select(r => new ReplicaTopology(
                    service.Name, r.Name, r.Listed?.Role ?? ReplicaRole.Active,
                    r.Listed?.Host ?? service.Host ?? "", r.Listed?.Zone ?? service.Zone ?? "", r.Listed?.Region ?? service.Region ?? "",
                    r.Listed?.Component ?? r.Component,
                    r.Listed?.PidFile is { } pid ? Path.Combine(options.DataDirectory, pid) : r.PidFile,
                    r.Listed?.StartCommand, [.. r.Listed?.StartArgs ?? []], r.Supervised,
                    r.Listed?.DryStartArgs is { } dry ? [.. dry] : null)).ToList()));
        }

        return services;
    }

    /// <summary>The replicas a service takes from a routed failover group or a supervised process, with their health source.</summary>
    internal static IEnumerable<(string Name, string? Component, string? PidFile)> Derived(BulwarkOptions options, RedundantServiceOptions service)
    {
        if (service.Process is { } process && options.Recovery?.Processes.FirstOrDefault(p => p?.Name == process) is { } supervised)
        {
            return Enumerable.Range(0, Math.Clamp(supervised.Replicas, 0, RecoveryLimits.MaxReplicas))
                .Select(i => ($"{process}.{i}", (string?)null, (string?)ProcessSupervisor.PidFile(options.DataDirectory, process, i)));
        }

        if (service.FailoverGroup is { } name && options.Failover?.Groups.FirstOrDefault(g => g?.Name == name) is { } group &&
            group.Strategy != Failover.Routing.FailoverStrategy.ActivePassive)
        {
            return group.Replicas.Where(r => r is not null).Select(r => (r.Name, (string?)r.Name, (string?)null));
        }

        return [];
    }
}
