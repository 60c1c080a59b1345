using Bulwark.Diagnostics;
using Bulwark.Health;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bulwark.Tests.TestSupport;

/// <summary>A SafetyManager wired to scripted probes, so tests decide every check result.</summary>
internal sealed class ManagerHarness : IAsyncDisposable
{
    private readonly BulwarkMetrics _metrics = new();

    /// <summary>This harness's own meter: listeners filter on it, since tests run in parallel.</summary>
    public System.Diagnostics.Metrics.Meter Meter => _metrics.Meter;

    public ManagerHarness(BulwarkOptions options, IEventStore store, TimeProvider time)
    {
        Store = store;
        Time = time;
        Manager = new SafetyManager(
            options,
            (component, check, _) => Probes[$"{component.Name}/{check.EffectiveName}"] = new ScriptedProbe(),
            new HeartbeatRegistry(time),
            store,
            time,
            NullLogger.Instance,
            _metrics);
    }

    public Dictionary<string, ScriptedProbe> Probes { get; } = [];

    public SafetyManager Manager { get; }

    public IEventStore Store { get; }

    public TimeProvider Time { get; }

    public static BulwarkOptions Options(params (string Name, Criticality Criticality, string[] Checks)[] components) =>
        Options(failureThreshold: 3, successThreshold: 2, components);

    public static BulwarkOptions Options(int failureThreshold, int successThreshold, params (string Name, Criticality Criticality, string[] Checks)[] components)
    {
        var options = new BulwarkOptions { CheckIntervalSeconds = 0.05 };
        foreach (var (name, criticality, checks) in components)
        {
            var component = new ComponentOptions
            {
                Name = name,
                Criticality = criticality,
                FailureThreshold = failureThreshold,
                SuccessThreshold = successThreshold,
            };
            foreach (var check in checks)
            {
                component.Checks.Add(new CheckOptions { Type = CheckType.HealthCheck, Name = check });
            }

            options.Components.Add(component);
        }

        return options;
    }

    /// <summary>Feeds one result straight into the manager, as the evaluation loop would.</summary>
    public ValueTask ApplyAsync(string component, string check, CheckStatus status, string description = "test")
    {
        var componentIndex = Manager.ComponentNames.ToList().IndexOf(component);
        var checkIndex = Manager.GetStatus().Components[componentIndex].Checks.ToList().FindIndex(c => c.Name == check);
        return Manager.ApplyAsync(
            new CheckRecord(componentIndex, checkIndex, status, description, null, TimeSpan.FromMilliseconds(1), Time.GetUtcNow()),
            CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await Manager.StopAsync(CancellationToken.None);
        _metrics.Dispose();
    }
}
