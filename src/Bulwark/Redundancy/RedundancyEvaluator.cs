using System.Globalization;

namespace Bulwark.Redundancy;

/// <summary>What is known of one replica now: healthy or not, whether the evidence is too old to count, and what it rests on.</summary>
internal readonly record struct ReplicaObservation(bool Healthy, string Evidence, bool Stale = false);

/// <summary>
/// The redundancy checks over a topology and what is observed of each replica: N+k and the level reached, standby
/// readiness, single points of failure on the dependency graph (a replica, host, zone or region whose loss leaves a
/// service trading depends on below N), zone and region spread, and the claims of standby and geographic services.
/// A pure function of its inputs, so the crafted-topology tests give it exactly what they describe.
/// </summary>
internal static class RedundancyEvaluator
{
    public static RedundancyReport Evaluate(
        IReadOnlyList<ServiceTopology> services, Func<ReplicaTopology, ReplicaObservation> observe, IReadOnlyDictionary<string, string> leaders,
        Func<string, bool> commandResolves, DateTimeOffset now, int requiredLevel, Func<ReplicaTopology, string?>? dryStart = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(observe);
        var findings = new List<RedundancyFinding>();
        if (services.Count == 0)
        {
            findings.Add(new(FindingSeverity.Warning, "no-topology", "redundancy",
                "no redundancy section: no service, replica or placement is known, so no redundancy is verified"));
            return new RedundancyReport { At = now, Level = 0, Required = requiredLevel, Met = false, Services = [], Findings = findings };
        }

        // Healthy replicas, by service: the set every loss below is taken from.
        var healthy = new Dictionary<string, List<ReplicaTopology>>(StringComparer.Ordinal);
        var results = new List<ServiceRedundancy>();
        foreach (var service in services)
        {
            var leader = service.FailoverGroup is { } group ? leaders.GetValueOrDefault(group) : null;
            var replicas = new List<ReplicaRedundancy>();
            var up = new List<ReplicaTopology>();
            foreach (var replica in service.Replicas)
            {
                var (ok, evidence) = Observe(service, replica, leader, observe, commandResolves, dryStart, findings);
                if (ok)
                {
                    up.Add(replica);
                }

                replicas.Add(new ReplicaRedundancy(replica.Name, replica.Role, replica.Host, replica.Zone, replica.Region, ok, replica.Name == leader, evidence));
            }

            healthy[service.Name] = up;
            var result = new ServiceRedundancy
            {
                Name = service.Name, Type = service.Type, Capacity = service.Capacity, Required = service.Level, Healthy = up.Count,
                Total = service.Replicas.Count, Replicas = replicas,
            };
            results.Add(result);
            LevelFinding(service, result, findings);
            ClaimFindings(service, findings);
        }

        SinglePointFindings(services, healthy, findings);
        var tightest = results.MinBy(r => r.Level - r.Required)!;
        return new RedundancyReport
        {
            At = now,
            Level = tightest.Level,
            Required = tightest.Required,
            Met = results.TrueForAll(r => r.Met),
            Services = results,
            Findings = [.. findings.OrderByDescending(f => f.Severity)],
        };
    }

    /// <summary>The services trading depends on: those marked <c>trading</c> and all they depend on; every service when none is marked.</summary>
    public static HashSet<string> TradingDependencies(IReadOnlyList<ServiceTopology> services)
    {
        var byName = services.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var pending = new Stack<string>(services.Any(s => s.Trading) ? services.Where(s => s.Trading).Select(s => s.Name) : byName.Keys);
        var closure = new HashSet<string>(StringComparer.Ordinal);
        while (pending.TryPop(out var name))
        {
            if (closure.Add(name) && byName.TryGetValue(name, out var service))
            {
                foreach (var dependency in service.DependsOn)
                {
                    pending.Push(dependency);
                }
            }
        }

        return closure;
    }

    private static (bool Healthy, string Evidence) Observe(
        ServiceTopology service, ReplicaTopology replica, string? leader, Func<ReplicaTopology, ReplicaObservation> observe,
        Func<string, bool> commandResolves, Func<ReplicaTopology, string?>? dryStart, List<RedundancyFinding> findings)
    {
        var subject = $"{service.Name}/{replica.Name}";
        var standby = replica.Role == ReplicaRole.Standby || (service.FailoverGroup is not null && leader is not null && replica.Name != leader);
        if (service.Type == RedundancyType.ColdStandby && replica.Role == ReplicaRole.Standby)
        {
            // Not running by design: it counts when it can be started.
            var command = replica.StartCommand ?? "";
            if (commandResolves(command))
            {
                if (replica.DryStartArgs is null || dryStart is null)
                {
                    return (true, $"cold standby, start command '{command}' resolves");
                }

                if (dryStart(replica) is not { } failure)
                {
                    return (true, $"cold standby, dry start of '{command}' passed");
                }

                findings.Add(new(FindingSeverity.Warning, "standby-not-ready", subject, $"cold standby's dry start failed: {failure}"));
                return (false, $"dry start failed: {failure}");
            }

            findings.Add(new(FindingSeverity.Warning, "standby-not-ready", subject,
                $"cold standby cannot be started: its start command '{command}' is neither an executable file nor a program on PATH"));
            return (false, $"start command '{command}' not found");
        }

        var seen = observe(replica);
        if (seen.Healthy && !seen.Stale)
        {
            return (true, seen.Evidence);
        }

        var why = seen.Stale ? $"heartbeat stale: {seen.Evidence}" : seen.Evidence;
        findings.Add(standby
            ? new(FindingSeverity.Warning, "standby-not-ready", subject, $"standby would not take over: {why}")
            : new(FindingSeverity.Warning, "replica-unhealthy", subject, $"not counted: {why}"));
        return (false, why);
    }

    private static void LevelFinding(ServiceTopology service, ServiceRedundancy result, List<RedundancyFinding> findings)
    {
        var counts = string.Create(CultureInfo.InvariantCulture, $"{result.Healthy} of {result.Total} replicas healthy, N={result.Capacity}, k={result.Required}");
        if (result.Level < 0)
        {
            findings.Add(new(FindingSeverity.Critical, "below-capacity", service.Name,
                $"below N ({counts}): the service cannot carry its load; trading moves to {service.BelowCapacity}"));
        }
        else if (!result.Met)
        {
            findings.Add(new(result.Level == 0 ? FindingSeverity.Critical : FindingSeverity.Warning, "level-short", service.Name,
                string.Create(CultureInfo.InvariantCulture, $"reached N+{result.Level} of N+{result.Required} ({counts})") +
                (result.Level == 0 ? ": no spare, the next loss takes it below N" : "")));
        }
    }

    /// <summary>What a service's type promises, checked against where its replicas are.</summary>
    private static void ClaimFindings(ServiceTopology service, List<RedundancyFinding> findings)
    {
        var standbys = service.Replicas.Where(r => r.Role == ReplicaRole.Standby).ToList();
        if (standbys.Count >= 2 && standbys.Select(r => r.Zone).Distinct(StringComparer.Ordinal).Count() == 1)
        {
            findings.Add(new(FindingSeverity.Warning, "standbys-one-zone", service.Name,
                $"all {standbys.Count} standbys ({string.Join(", ", standbys.Select(r => r.Name))}) are in zone {standbys[0].Zone}: losing that zone leaves no standby to take over"));
        }

        if (service.Type != RedundancyType.Geographic)
        {
            return;
        }

        var regions = service.Replicas.Select(r => r.Region).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (regions.Count < 2)
        {
            findings.Add(new(FindingSeverity.Critical, "geographic-one-region", service.Name,
                $"claims geographic redundancy but every replica is in region {regions.FirstOrDefault()}"));
        }

        foreach (var host in service.Replicas.GroupBy(r => r.Host, StringComparer.Ordinal))
        {
            var onHost = host.Select(r => r.Region).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (onHost.Count >= 2)
            {
                findings.Add(new(FindingSeverity.Critical, "geographic-shared-host", service.Name,
                    $"claims regions {string.Join(", ", onHost)} but host {host.Key} holds replicas of each ({string.Join(", ", host.Select(r => r.Name))}): one machine's loss takes every region"));
            }
        }
    }

    /// <summary>
    /// Losses that leave a service trading depends on below N, directly or through a dependency: one replica of a service at
    /// exactly N (<c>spof-service</c>), then shared hosts, zones and regions whose loss breaks a service that survives any
    /// single replica's loss (<c>spof-host</c>, <c>zone-spread</c>, <c>region-spread</c>).
    /// </summary>
    private static void SinglePointFindings(IReadOnlyList<ServiceTopology> services, Dictionary<string, List<ReplicaTopology>> healthy, List<RedundancyFinding> findings)
    {
        var trading = TradingDependencies(services);
        var before = Impaired(services, healthy, _ => false);

        // A service one replica away from below N breaks itself and everything that depends on it.
        var fragile = new HashSet<string>(StringComparer.Ordinal);
        foreach (var service in services.Where(s => !before.Contains(s.Name) && healthy[s.Name].Count == s.Capacity))
        {
            var lost = healthy[service.Name][0];
            var broken = Impaired(services, healthy, r => r == lost).Except(before).ToList();
            fragile.UnionWith(broken);
            if (broken.Any(trading.Contains))
            {
                var others = broken.Where(b => b != service.Name).Order(StringComparer.Ordinal).ToList();
                findings.Add(new(FindingSeverity.Critical, "spof-service", service.Name, string.Create(CultureInfo.InvariantCulture,
                    $"single point of failure: {healthy[service.Name].Count} healthy replica(s) for N={service.Capacity}, so losing any one takes it below N") +
                    (others.Count > 0 ? $", and with it {string.Join(", ", others)}, which depend on it" : "")));
            }
        }

        foreach (var (kind, label, domain) in new (string, string, Func<ReplicaTopology, string>)[]
                 {
                     ("spof-host", "host", r => r.Host), ("zone-spread", "zone", r => r.Zone), ("region-spread", "region", r => r.Region),
                 })
        {
            var values = healthy.Values.SelectMany(r => r).Select(domain).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
            foreach (var value in values)
            {
                var broken = Impaired(services, healthy, r => domain(r) == value).Except(before).Where(s => trading.Contains(s) && !fragile.Contains(s))
                    .Order(StringComparer.Ordinal).ToList();
                if (broken.Count == 0)
                {
                    continue;
                }

                var details = broken.Select(s =>
                {
                    var service = services.First(x => x.Name == s);
                    var left = healthy[s].Count(r => domain(r) != value);
                    return string.Create(CultureInfo.InvariantCulture, $"{s} ({left} of N={service.Capacity} left{(left >= service.Capacity ? ", a dependency is lost" : "")})");
                });
                findings.Add(new(FindingSeverity.Critical, kind, value, kind == "spof-host"
                    ? $"single point of failure: losing host {value} takes {string.Join(", ", details)} below N"
                    : $"losing {label} {value} leaves {string.Join(", ", details)} below N"));
            }
        }
    }

    /// <summary>Services below N once the replicas <paramref name="lost"/> selects are gone, and every service that depends on one of them.</summary>
    private static HashSet<string> Impaired(IReadOnlyList<ServiceTopology> services, Dictionary<string, List<ReplicaTopology>> healthy, Func<ReplicaTopology, bool> lost)
    {
        var impaired = services.Where(s => healthy[s.Name].Count(r => !lost(r)) < s.Capacity).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        bool grew;
        do
        {
            grew = false;
            foreach (var service in services.Where(s => !impaired.Contains(s.Name) && s.DependsOn.Any(impaired.Contains)))
            {
                grew |= impaired.Add(service.Name);
            }
        }
        while (grew);
        return impaired;
    }
}
