using Bulwark.Failover;
using Bulwark.Health;

namespace Bulwark.Redundancy;

/// <summary>
/// The redundancy checks on live health: the topology of the <c>redundancy:</c> section, each replica observed through
/// <see cref="ReplicaProbe"/> (component states, pid files, failover leases), judged by <see cref="RedundancyEvaluator"/>.
/// Used by the running system (continuously, <see cref="RedundancyMonitor"/>) and by the CLI (from the store and the coordinator).
/// </summary>
internal sealed class RedundancyValidator
{
    private readonly BulwarkOptions _options;

    public RedundancyValidator(BulwarkOptions options)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        Services = RedundancyTopology.Resolve(options);
        StaleAfter = TimeSpan.FromSeconds(options.Redundancy?.StaleAfterSeconds ?? 3 * options.CheckIntervalSeconds);
    }

    public IReadOnlyList<ServiceTopology> Services { get; }

    /// <summary>Health evidence older than this does not count.</summary>
    public TimeSpan StaleAfter { get; }

    /// <summary>The failover groups the topology names.</summary>
    public IEnumerable<string> Groups => Services.Select(s => s.FailoverGroup).OfType<string>().Distinct(StringComparer.Ordinal);

    /// <summary>Evaluates now, from component statuses and the holders of valid leases by group.</summary>
    public RedundancyReport Evaluate(Func<string, ComponentStatus?> components, IReadOnlyDictionary<string, string> leaders, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(components);
        ArgumentNullException.ThrowIfNull(leaders);
        var groups = Services.Where(s => s.FailoverGroup is not null).SelectMany(s => s.Replicas.Select(r => (r, s.FailoverGroup))).ToDictionary(x => x.r, x => x.FailoverGroup);
        return RedundancyEvaluator.Evaluate(
            Services,
            r => ReplicaProbe.Observe(r, components, groups.TryGetValue(r, out var g) && g is not null ? leaders.GetValueOrDefault(g) : null, groups.GetValueOrDefault(r), now, StaleAfter),
            leaders, ReplicaProbe.CommandResolves, now, _options.RedundancyLevel, ReplicaProbe.DryStart);
    }

    /// <summary>The holder of each named group's lease while it is valid; a group nobody leads (or that cannot be read) is absent.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ReadLeadersAsync(ILeaseCoordinator? leases, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var leaders = new Dictionary<string, string>(StringComparer.Ordinal);
        if (leases is null)
        {
            return leaders;
        }

        foreach (var group in Groups)
        {
            try
            {
                if (await leases.ReadAsync(group, cancellationToken).ConfigureAwait(false) is { Holder.Length: > 0 } record && record.ExpiresAt > now)
                {
                    leaders[group] = record.Holder;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Unreadable: nobody is known to lead (fail closed: its replicas count only through their other sources).
            }
        }

        return leaders;
    }
}
