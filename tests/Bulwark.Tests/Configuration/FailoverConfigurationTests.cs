namespace Bulwark.Tests.Configuration;

/// <summary>The <c>failover:</c> section: one test per rule, each naming its field.</summary>
public sealed class FailoverConfigurationTests : IDisposable
{
    private readonly ConfigurationFiles _files = new();

    private const string Section = """
        failover:
          replica: r1
          coordinator:
            backend: etcd
            endpoints: http://127.0.0.1:2379,http://127.0.0.1:22379
          groups:
            - name: engines
              leaseSeconds: 1
              renewIntervalSeconds: 0.2
              retryIntervalSeconds: 0.05
              safetyMarginSeconds: 0.3
            - name: gateways

        """;

    [Fact]
    public void ValidSection_IsBound_WithDefaults()
    {
        var options = _files.LoadValid(ConfigurationFiles.Valid + Section);
        var failover = options.Failover!;
        Assert.Equal("r1", failover.Replica);
        Assert.Equal(CoordinatorBackend.Etcd, failover.Coordinator.Backend);
        Assert.Equal(["engines", "gateways"], failover.Groups.Select(g => g.Name));
        var timing = failover.Groups[0].ToElectorOptions();
        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(300)),
            (timing.Ttl, timing.RenewInterval, timing.RetryInterval, timing.SafetyMargin));
        Assert.Equal((2, 0.5, 0.1, 0.5, false), (failover.Groups[1].LeaseSeconds, failover.Groups[1].RenewIntervalSeconds,
            failover.Groups[1].RetryIntervalSeconds, failover.Groups[1].SafetyMarginSeconds, failover.Groups[1].Trading));
    }

    [Fact]
    public void NoSection_NoFailover() => Assert.Null(_files.LoadValid(ConfigurationFiles.Valid).Failover);

    [Theory]
    [InlineData("replica: r1", "replica: ''", "failover.replica", "must not be empty")]
    [InlineData("backend: etcd", "backend: zookeeper", "failover.coordinator.backend", "one of sqlite, postgresql, etcd")]
    [InlineData("    endpoints: http://127.0.0.1:2379,http://127.0.0.1:22379\n", "", "failover.coordinator.endpoints", "required for the etcd backend")]
    [InlineData("http://127.0.0.1:22379", "127.0.0.1:22379", "failover.coordinator.endpoints", "got '127.0.0.1:22379'")]
    [InlineData("backend: etcd", "backend: postgresql", "failover.coordinator.connectionString", "required for the postgresql backend")]
    [InlineData("- name: gateways", "- name: engines", "failover.groups[1].name", "already the name of failover.groups[0]")]
    [InlineData("- name: gateways", "- name: 'two words'", "failover.groups[1].name", "got 'two words'")]
    [InlineData("leaseSeconds: 1", "leaseSeconds: 0", "failover.groups[0].leaseSeconds", "greater than 0")]
    [InlineData("safetyMarginSeconds: 0.3", "safetyMarginSeconds: 1", "failover.groups[0].safetyMarginSeconds", "less than leaseSeconds")]
    [InlineData("renewIntervalSeconds: 0.2", "renewIntervalSeconds: 0.8", "failover.groups[0].renewIntervalSeconds", "lose its lease between renewals")]
    [InlineData("retryIntervalSeconds: 0.05", "retryIntervalSeconds: fast", "failover.groups[0].retryIntervalSeconds", "must be a number")]
    [InlineData("    - name: gateways\n", "    - name: gateways\n      trading: true\n", "failover.groups[1].trading", "no trading: section")]
    [InlineData("    - name: gateways\n", "    - name: gateways\n      trading: yes\n", "failover.groups[1].trading", "one of true, false")]
    [InlineData("    - name: gateways\n", "    - name: gateways\n      strategy: round-robin\n", "failover.groups[1].strategy", "one of active-passive, active-active, load-balanced, circuit-breaker")]
    [InlineData("    - name: gateways\n", "    - name: gateways\n      strategy: active-active\n", "failover.groups[1].replicas", "at least one replica is required for a active-active group")]
    [InlineData("    - name: gateways\n", "    - name: gateways\n      replicas: [{name: gateway, address: x}]\n", "failover.groups[1].replicas", "are for active-active, load-balanced and circuit-breaker groups")]
    [InlineData("    - name: gateways\n", "    - name: gateways\n      strategy: load-balanced\n      replicas: [{name: ghost, address: x}]\n", "failover.groups[1].replicas[0].name", "no component named 'ghost'")]
    [InlineData("    - name: gateways\n", "    - name: gateways\n      strategy: circuit-breaker\n      replicas: [{name: a, address: ''}]\n", "failover.groups[1].replicas[0].address", "must not be empty")]
    [InlineData("    - name: gateways\n", "    - name: gateways\n      strategy: circuit-breaker\n      replicas: [{name: a, address: x, weight: -1}]\n", "failover.groups[1].replicas[0].weight", "greater than 0")]
    [InlineData("    - name: gateways\n", "    - name: gateways\n      strategy: circuit-breaker\n      replicas: [{name: a, address: x}]\n      requiredHealthy: 1\n", "failover.groups[1].requiredHealthy", "active-active and load-balanced groups only")]
    [InlineData("    - name: gateways\n", "    - name: gateways\n      strategy: circuit-breaker\n      replicas: [{name: a, address: x}]\n      belowCapacity: stop\n", "failover.groups[1].belowCapacity", "one of reducing, halted")]
    [InlineData("backend: etcd", "backend: sqlite\n    shareKillSwitch: true", "failover.coordinator.shareKillSwitch", "postgresql or etcd")]
    public void EachRule_NamesItsField(string find, string replacement, string path, string message) =>
        _files.LoadSingleError(ConfigurationFiles.Valid + Section.Replace(find, replacement, StringComparison.Ordinal), path, message);

    [Fact]
    public void NoGroups_IsAnError() =>
        _files.LoadSingleError(ConfigurationFiles.Valid + "failover:\n  replica: r1\n", "failover.groups", "at least one group");

    public void Dispose() => _files.Dispose();
}
