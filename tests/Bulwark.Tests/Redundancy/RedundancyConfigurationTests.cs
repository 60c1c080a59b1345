using Bulwark.Redundancy;
using Bulwark.Tests.Configuration;

namespace Bulwark.Tests.Redundancy;

/// <summary>The <c>redundancy:</c> section and <c>redundancyLevel</c>: read, derived from what is configured, and every bad value refused with its field path.</summary>
public sealed class RedundancyConfigurationTests : IDisposable
{
    private readonly ConfigurationFiles _files = new();

    /// <summary>Two services: engines from a supervised process (placement on the service), venue-gateway listed.</summary>
    internal const string Section = """
        recovery:
          processes:
            - name: engine
              command: /usr/bin/sleep
              args: ["1000"]
              replicas: 3
        redundancy:
          intervalSeconds: 2
          services:
            - name: engines
              type: activePassive
              capacity: 1
              level: 2
              trading: true
              process: engine
              host: h1
              zone: z1
              region: eu
              dependsOn: [venue-gateway]
              replicas:
                - name: engine.2
                  role: standby
                  host: h2
                  zone: z2
            - name: venue-gateway
              type: activeActive
              capacity: 2
              belowCapacity: halted
              replicas:
                - { name: gw1, component: gateway, host: h1, zone: z1, region: eu }
                - { name: gw2, component: gateway, host: h2, zone: z2, region: eu }
                - { name: gw3, pidFile: gw3.pid, host: h3, zone: z2, region: eu }

        """;

    [Fact]
    public void Section_IsBound_ReplicasAreDerived_AndRedundancyLevelIsTheDefaultK()
    {
        var options = _files.LoadValid(ConfigurationFiles.Valid + "redundancyLevel: 4\n" + Section);

        Assert.Equal(4, options.RedundancyLevel);
        Assert.Equal(2, options.Redundancy!.IntervalSeconds);
        var services = RedundancyTopology.Resolve(options);
        var engines = services[0];
        Assert.Equal((RedundancyType.ActivePassive, 1, 2, true), (engines.Type, engines.Capacity, engines.Level, engines.Trading));
        Assert.Equal(["engine.0", "engine.1", "engine.2"], engines.Replicas.Select(r => r.Name));
        Assert.Equal(["h1", "h1", "h2"], engines.Replicas.Select(r => r.Host));
        Assert.Equal(["z1", "z1", "z2"], engines.Replicas.Select(r => r.Zone));
        Assert.Equal(ReplicaRole.Standby, engines.Replicas[2].Role);
        Assert.EndsWith(Path.Combine("processes", "engine.1.pid"), engines.Replicas[1].PidFile, StringComparison.Ordinal);
        Assert.Equal(["venue-gateway"], engines.DependsOn);

        var gateway = services[1];
        Assert.Equal(4, gateway.Level); // redundancyLevel
        Assert.Equal(Bulwark.Trading.TradingState.Halted, gateway.BelowCapacity);
        Assert.Equal(["gateway", "gateway", null], gateway.Replicas.Select(r => r.Component));
        Assert.Equal(Path.Combine(".bulwark", "gw3.pid"), gateway.Replicas[2].PidFile);
    }

    [Fact]
    public void RoutedFailoverGroup_GivesItsReplicas_WithTheirComponents()
    {
        var yaml = ConfigurationFiles.Valid + """
            failover:
              replica: r1
              groups:
                - name: pricing
                  strategy: active-active
                  replicas:
                    - { name: gateway, address: "127.0.0.1:1" }
                    - { name: strategy, address: "127.0.0.1:2" }
            redundancy:
              services:
                - { name: pricing, type: activeActive, failoverGroup: pricing, host: h1, zone: z1, region: eu, replicas: [{ name: strategy, host: h2 }] }

            """;

        var service = Assert.Single(RedundancyTopology.Resolve(_files.LoadValid(yaml)));

        Assert.Equal([("gateway", "gateway", "h1"), ("strategy", "strategy", "h2")], service.Replicas.Select(r => (r.Name, r.Component, r.Host)));
    }

    [Theory]
    [InlineData("    - name: engines\n", "    - name: \"\"\n", "redundancy.services[0].name", "must not be empty")]
    [InlineData("      capacity: 1\n", "      capacity: 0\n", "redundancy.services[0].capacity", "must be 1 to 1000")]
    [InlineData("      capacity: 1\n", "      capacity: many\n", "redundancy.services[0].capacity", "must be a whole number, got 'many'")]
    [InlineData("      capacity: 1\n", "      capacity: [1]\n", "redundancy.services[0].capacity", "must be a single value, got a list")]
    [InlineData("      level: 2\n", "      level: -1\n", "redundancy.services[0].level", "must be 1 to 100")]
    [InlineData("      level: 2\n", "      level: 101\n", "redundancy.services[0].level", "must be 1 to 100")]
    [InlineData("      level: 2\n", "      level: 0\n", "redundancy.services[0].level", "must be 1 to 100")]
    [InlineData("      type: activePassive\n", "      type: mirrored\n", "redundancy.services[0].type", "must be one of activePassive, activeActive, loadDistributed, hotStandby, coldStandby, geographic, got 'mirrored'")]
    [InlineData("      trading: true\n", "      trading: yes\n", "redundancy.services[0].trading", "must be one of true, false")]
    [InlineData("      process: engine\n", "      process: engin\n", "redundancy.services[0].process", "no supervised process named 'engin' (known: engine)")]
    [InlineData("dependsOn: [venue-gateway]", "dependsOn: [venue]", "redundancy.services[0].dependsOn[0]", "no service named 'venue'")]
    [InlineData("dependsOn: [venue-gateway]", "dependsOn: [engines]", "redundancy.services[0].dependsOn[0]", "cannot depend on itself")]
    [InlineData("        - name: engine.2\n", "        - name: engine.7\n", "redundancy.services[0].replicas[0].name", "is not one of the derived replicas (engine.0, engine.1, engine.2)")]
    [InlineData("          role: standby\n", "          role: spare\n", "redundancy.services[0].replicas[0].role", "must be one of active, standby, got 'spare'")]
    [InlineData("          zone: z2\n", "          zone: z2\n          rack: 4\n", "redundancy.services[0].replicas[0].rack", "unknown key")]
    [InlineData("  intervalSeconds: 2\n", "  intervalSeconds: 0\n", "redundancy.intervalSeconds", "must be more than 0")]
    [InlineData("  intervalSeconds: 2\n", "  interval: 2\n", "redundancy.interval", "unknown key (did you mean 'intervalSeconds'?)")]
    [InlineData("  intervalSeconds: 2\n", "  drillTimeoutSeconds: 1e9\n", "redundancy.drillTimeoutSeconds", "at most 3600")]
    [InlineData("component: gateway, host: h1", "component: nowhere, host: h1", "redundancy.services[1].replicas[0].component", "no component named 'nowhere'")]
    [InlineData("{ name: gw3, pidFile: gw3.pid, host: h3", "{ name: gw3, host: h3", "redundancy.services[1].replicas[2]", "needs a source of health")]
    [InlineData("zone: z2, region: eu }\n        - { name: gw3", "region: eu }\n        - { name: gw3", "redundancy.services[1].replicas[1].zone", "is required (here or on the service)")]
    [InlineData("{ name: gw3, pidFile", "{ name: gw2, pidFile", "redundancy.services[1].replicas[2].name", "'gw2' is already the name of redundancy.services[1].replicas[1]")]
    [InlineData("{ name: gw3, pidFile: gw3.pid,", "{ name: gw3, pidFile: gw3.pid, startCommand: /bin/true,", "redundancy.services[1].replicas[2].startCommand", "only for a standby of a coldStandby service")]
    public void BadValue_IsTheOnlyError_WithItsFieldPath(string find, string replacement, string path, string message) =>
        _files.LoadSingleError(ConfigurationFiles.Valid + ConfigurationFiles.Change(Section, find, replacement), path, message);

    [Theory]
    [InlineData("redundancy: 5\n", "redundancy", "must be a section of keys")]
    [InlineData("redundancy:\n", "redundancy", "must not be empty")]
    [InlineData("redundancy:\n  services: engines\n", "redundancy.services", "must be a list, got 'engines'")]
    [InlineData("redundancy:\n  services:\n    - name: a\n      replicas: []\n", "redundancy.services[0].replicas", "at least one replica is required")]
    [InlineData("redundancy:\n  services:\n    - { name: a, failoverGroup: g, host: h, zone: z, region: r, replicas: [{ name: x }] }\n", "redundancy.services[0].failoverGroup", "there is no failover section")]
    [InlineData("redundancy:\n  services:\n    - { name: a, type: coldStandby, host: h, zone: z, region: r, replicas: [{ name: x, role: standby, component: gateway }] }\n", "redundancy.services[0].replicas[0].startCommand", "is required for a cold standby")]
    [InlineData("redundancy:\n  services:\n    - { name: a, host: h, zone: z, region: r, replicas: [{ name: x, component: gateway, dryStartArgs: [--check] }] }\n", "redundancy.services[0].replicas[0].dryStartArgs", "needs startCommand")]
    public void BadSection_IsRefused_WithItsFieldPath(string section, string path, string message) =>
        _files.LoadSingleError(ConfigurationFiles.Valid + section, path, message);

    [Fact]
    public void MissingPlacement_NamesTheDerivedReplicas_AndTheListedOne()
    {
        var result = _files.Load(ConfigurationFiles.Valid + ConfigurationFiles.Change(Section, "      region: eu\n      dependsOn", "      dependsOn"));

        Assert.Equal(
            [
                ("redundancy.services[0].region", "is required: the derived replicas engine.0, engine.1 are not listed with their own region"),
                ("redundancy.services[0].replicas[0].region", "is required (here or on the service)"),
            ],
            result.Errors.Select(e => (e.Path, e.Message)));
    }

    [Fact]
    public void ObservedFailoverGroup_IsRead_AndOnlyActivePassive()
    {
        var observed = ConfigurationFiles.Valid + "failover:\n  replica: r1\n  groups:\n    - { name: engines, observe: true }\n";
        Assert.True(_files.LoadValid(observed).Failover!.Groups[0].Observe);

        _files.LoadSingleError(
            ConfigurationFiles.Valid + "failover:\n  replica: r1\n  groups:\n    - { name: p, strategy: active-active, observe: true, replicas: [{ name: gateway, address: a }] }\n",
            "failover.groups[0].observe", "only an active-passive group can be observed");
    }

    [Fact]
    public void DependencyCycle_IsRefused_NamingTheCycle()
    {
        var yaml = ConfigurationFiles.Valid + """
            redundancy:
              services:
                - { name: a, dependsOn: [b], host: h, zone: z, region: r, replicas: [{ name: x, component: gateway }] }
                - { name: b, dependsOn: [c], host: h, zone: z, region: r, replicas: [{ name: x, component: gateway }] }
                - { name: c, dependsOn: [a], host: h, zone: z, region: r, replicas: [{ name: x, component: gateway }] }

            """;

        _files.LoadSingleError(yaml, "redundancy.services[2].dependsOn[0]", "dependencies form a cycle: a -> b -> c -> a");
    }

    public void Dispose() => _files.Dispose();
}
