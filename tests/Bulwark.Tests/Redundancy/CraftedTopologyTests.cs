using Bulwark.Redundancy;

namespace Bulwark.Tests.Redundancy;

/// <summary>
/// Single points of failure and spread on crafted topologies, every replica healthy unless said otherwise: each test
/// writes out the findings it expects, all of them, so a finding missed, added or reworded fails it.
/// </summary>
public sealed class CraftedTopologyTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 17, 0, 0, TimeSpan.Zero);

    [Fact]
    public void SharedHost_UnderTwoRedundantServices_IsASinglePointOfFailure()
    {
        // risk-engine and pricing each have two replicas, N+1 on paper, but all four run on h1.
        var report = Evaluate(
            Service("risk-engine", RedundancyType.ActiveActive, 1, 1, [], Replica("re1", "h1", "z1", "eu"), Replica("re2", "h1", "z1", "eu")),
            Service("pricing", RedundancyType.LoadDistributed, 1, 1, [], Replica("p1", "h1", "z1", "eu"), Replica("p2", "h1", "z1", "eu")),
            Service("audit", RedundancyType.ActiveActive, 1, 1, [], Replica("a1", "h2", "z2", "eu"), Replica("a2", "h3", "z3", "us")));

        Assert.Equal((1, true), (report.Level, report.Met));
        AssertFindings(report,
            "critical spof-host h1: single point of failure: losing host h1 takes pricing (0 of N=1 left), risk-engine (0 of N=1 left) below N",
            "critical zone-spread z1: losing zone z1 leaves pricing (0 of N=1 left), risk-engine (0 of N=1 left) below N",
            "critical region-spread eu: losing region eu leaves pricing (0 of N=1 left), risk-engine (0 of N=1 left) below N");
    }

    [Fact]
    public void AllStandbysInOneZone_IsReported()
    {
        var report = Evaluate(Service("engines", RedundancyType.HotStandby, 1, 2, [],
            Replica("e1", "h1", "z1", "eu"), Replica("s1", "h2", "z2", "eu", ReplicaRole.Standby), Replica("s2", "h3", "z2", "eu", ReplicaRole.Standby)));

        Assert.Equal((2, true), (report.Level, report.Met));
        AssertFindings(report,
            "critical region-spread eu: losing region eu leaves engines (0 of N=1 left) below N",
            "warning standbys-one-zone engines: all 2 standbys (s1, s2) are in zone z2: losing that zone leaves no standby to take over");
    }

    [Fact]
    public void DependencyChain_WithOneReplica_IsASinglePointOfFailureForEverythingAboveIt()
    {
        // order-gateway -> risk -> market-data; the first two are spread over three hosts, zones and regions, market-data has one replica.
        var report = Evaluate(
            Service("order-gateway", RedundancyType.ActiveActive, 1, 2, ["risk"], Spread("g")),
            Service("risk", RedundancyType.ActiveActive, 1, 2, ["market-data"], Spread("r")),
            Service("market-data", RedundancyType.ActivePassive, 1, 2, [], Replica("m1", "h4", "z1", "eu")));

        Assert.Equal((0, false), (report.Level, report.Met));
        Assert.Equal([2, 2, 0], report.Services.Select(s => s.Level));
        AssertFindings(report,
            "critical level-short market-data: reached N+0 of N+2 (1 of 1 replicas healthy, N=1, k=2): no spare, the next loss takes it below N",
            "critical spof-service market-data: single point of failure: 1 healthy replica(s) for N=1, so losing any one takes it below N, and with it order-gateway, risk, which depend on it");
    }

    [Fact]
    public void GeographicClaim_WithBothRegionsOnOneHost_IsReported()
    {
        var report = Evaluate(Service("venue-link", RedundancyType.Geographic, 1, 1, [], Replica("v1", "h1", "z1", "eu"), Replica("v2", "h1", "z2", "us")));

        AssertFindings(report,
            "critical geographic-shared-host venue-link: claims regions eu, us but host h1 holds replicas of each (v1, v2): one machine's loss takes every region",
            "critical spof-host h1: single point of failure: losing host h1 takes venue-link (0 of N=1 left) below N");
    }

    [Fact]
    public void WellSpreadTopology_HasNoFindings()
    {
        var report = Evaluate(
            Service("order-gateway", RedundancyType.ActiveActive, 1, 2, ["risk"], Spread("g")),
            Service("risk", RedundancyType.ActiveActive, 1, 2, [], Spread("r")));

        Assert.Equal((2, true), (report.Level, report.Met));
        AssertFindings(report);
    }

    [Fact]
    public void LiveHealth_CountsOnlyFreshHealthyReplicas_AndAStartableColdStandby()
    {
        var service = Service("engines", RedundancyType.ColdStandby, 2, 1, [],
            Replica("e1", "h1", "z1", "eu"), Replica("e2", "h2", "z2", "us"), Replica("e3", "h3", "z3", "ap"),
            Replica("cold", "h4", "z4", "sa", ReplicaRole.Standby) with { StartCommand = "/opt/engine/start" });
        var observed = new Dictionary<string, ReplicaObservation>
        {
            ["e1"] = new(true, "Healthy"),
            ["e2"] = new(true, "Healthy (checked 40 s ago)", Stale: true),
            ["e3"] = new(false, "Failed"),
        };

        var report = RedundancyEvaluator.Evaluate([service], r => observed[r.Name], new Dictionary<string, string>(), c => c == "/opt/engine/start", Now, 3);

        var engines = Assert.Single(report.Services);
        Assert.Equal((2, 4, 0, false), (engines.Healthy, engines.Total, engines.Level, engines.Met));
        Assert.Equal([true, false, false, true], engines.Replicas.Select(r => r.Healthy));
        AssertFindings(report,
            "critical level-short engines: reached N+0 of N+1 (2 of 4 replicas healthy, N=2, k=1): no spare, the next loss takes it below N",
            "critical spof-service engines: single point of failure: 2 healthy replica(s) for N=2, so losing any one takes it below N",
            "warning replica-unhealthy engines/e2: not counted: heartbeat stale: Healthy (checked 40 s ago)",
            "warning replica-unhealthy engines/e3: not counted: Failed");

        // The same standby whose start command does not resolve is not counted: the service is below N.
        var unstartable = RedundancyEvaluator.Evaluate([service], r => observed[r.Name], new Dictionary<string, string>(), _ => false, Now, 3);
        Assert.Equal(-1, unstartable.Level);
        Assert.Contains("critical below-capacity engines: below N (1 of 4 replicas healthy, N=2, k=1): the service cannot carry its load; trading moves to Reducing",
            unstartable.Findings.Select(f => f.ToString()));
        Assert.Contains("warning standby-not-ready engines/cold: cold standby cannot be started: its start command '/opt/engine/start' is neither an executable file nor a program on PATH",
            unstartable.Findings.Select(f => f.ToString()));
    }

    [Fact]
    public void ColdStandby_WithADryStart_CountsOnlyWhenItPasses()
    {
        var standby = Replica("cold", "h2", "z2", "us", ReplicaRole.Standby) with { StartCommand = "/bin/sh", DryStartArgs = ["-c", "exit 0"] };
        ServiceTopology Topology(ReplicaTopology cold) =>
            Service("engines", RedundancyType.ColdStandby, 1, 1, [], Replica("e1", "h1", "z1", "eu"), cold);

        var passing = RedundancyEvaluator.Evaluate([Topology(standby)], _ => new(true, "Healthy"), new Dictionary<string, string>(), ReplicaProbe.CommandResolves, Now, 1, ReplicaProbe.DryStart);
        var failing = RedundancyEvaluator.Evaluate([Topology(standby with { DryStartArgs = ["-c", "exit 3"] })], _ => new(true, "Healthy"), new Dictionary<string, string>(), ReplicaProbe.CommandResolves, Now, 1, ReplicaProbe.DryStart);

        Assert.Equal((1, "cold standby, dry start of '/bin/sh' passed"), (passing.Level, passing.Services[0].Replicas[1].Evidence));
        Assert.Equal(0, failing.Level);
        Assert.Contains("warning standby-not-ready engines/cold: cold standby's dry start failed: exited with 3", failing.Findings.Select(f => f.ToString()));
    }

    [Fact]
    public void FailoverGroupFollowers_AreStandbys_WhoseReadinessIsChecked()
    {
        var service = Service("engines", RedundancyType.ActivePassive, 1, 1, [], Replica("r1", "h1", "z1", "eu"), Replica("r2", "h2", "z2", "us")) with { FailoverGroup = "engines" };

        var report = RedundancyEvaluator.Evaluate([service], r => new(r.Name == "r1", r.Name == "r1" ? "leads engines" : "health unknown"),
            new Dictionary<string, string> { ["engines"] = "r1" }, _ => true, Now, 1);

        Assert.Equal([true, false], report.Services[0].Replicas.Select(r => r.Leader));
        Assert.Contains("warning standby-not-ready engines/r2: standby would not take over: health unknown", report.Findings.Select(f => f.ToString()));
    }

    [Fact]
    public void NoTopology_IsNotMet()
    {
        var report = RedundancyEvaluator.Evaluate([], _ => default, new Dictionary<string, string>(), _ => true, Now, 3);

        Assert.Equal((false, 3), (report.Met, report.Required));
        AssertFindings(report, "warning no-topology redundancy: no redundancy section: no service, replica or placement is known, so no redundancy is verified");
    }

    private static RedundancyReport Evaluate(params ServiceTopology[] services) =>
        RedundancyEvaluator.Evaluate(services, _ => new ReplicaObservation(true, "Healthy"), new Dictionary<string, string>(), _ => true, Now, 1);

    private static void AssertFindings(RedundancyReport report, params string[] expected) =>
        Assert.Equal(expected, report.Findings.Select(f => f.ToString()));

    private static ReplicaTopology[] Spread(string prefix) =>
        [Replica(prefix + "1", prefix + "-h1", "z1", "eu"), Replica(prefix + "2", prefix + "-h2", "z2", "us"), Replica(prefix + "3", prefix + "-h3", "z3", "ap")];

    private static ReplicaTopology Replica(string name, string host, string zone, string region, ReplicaRole role = ReplicaRole.Active) =>
        new("", name, role, host, zone, region, Component: null, PidFile: null, StartCommand: null, StartArgs: []);

    private static ServiceTopology Service(string name, RedundancyType type, int capacity, int level, string[] dependsOn, params ReplicaTopology[] replicas) =>
        new(name, type, capacity, level, dependsOn, Trading: false, FailoverGroup: null, Bulwark.Trading.TradingState.Reducing,
            replicas.Select(r => r with { Service = name }).ToArray());
}
