using Bulwark.Recovery;
using Bulwark.Tests.TestSupport;

namespace Bulwark.Tests.Recovery;

/// <summary>A safety system with a recovery section on real processes, its store in memory, its files in a temporary directory.</summary>
internal sealed class RecoveryHarness : IAsyncDisposable
{
    private readonly TempDirectory _temp = new();

    public RecoveryHarness(double maxRecoveryTimeSeconds = 30)
    {
        Options = new BulwarkOptions { DataDirectory = _temp.File("data"), CheckIntervalSeconds = 0.05, MaxRecoveryTimeSeconds = maxRecoveryTimeSeconds, Recovery = new RecoveryOptions() };
    }

    public BulwarkOptions Options { get; }

    public RecoveryOptions Recovery => Options.Recovery!;

    public InMemoryEventStore Store { get; } = new();

    public SafetySystem? System { get; private set; }

    public RecoverySystem Running => System?.Recovery ?? throw new InvalidOperationException("Start the harness first.");

    public string File(string name) => _temp.File(name);

    /// <summary>A supervised process running a shell script, quick to restart, with a component of its own.</summary>
    public SupervisedProcessOptions Process(string name, string script, RestartPolicy restart = RestartPolicy.OnFailure)
    {
        var process = new SupervisedProcessOptions
        {
            Name = name,
            Command = "sh",
            Restart = restart,
            RestartDelaySeconds = 0.05,
            MaxRestartDelaySeconds = 0.2,
            StopGraceSeconds = 2,
            Criticality = Criticality.Critical,
        };
        process.Args.Add("-c");
        process.Args.Add(script);
        Recovery.Processes.Add(process);
        return process;
    }

    /// <summary>A component whose command check passes while <paramref name="file"/> exists.</summary>
    public ComponentOptions FileComponent(string name, string file)
    {
        var component = new ComponentOptions { Name = name, Criticality = Criticality.Critical, FailureThreshold = 1, SuccessThreshold = 1 };
        var check = new CheckOptions { Type = CheckType.Command, Command = "test", TimeoutSeconds = 2 };
        check.Args.Add("-f");
        check.Args.Add(file);
        component.Checks.Add(check);
        Options.Components.Add(component);
        return component;
    }

    public async Task<RecoverySystem> StartAsync()
    {
        System = SafetySystem.Create(Options, eventStore: Store);
        await System.StartAsync();
        return Running;
    }

    public IReadOnlyList<SafetyEvent> Events(string kind) => Store.Events.Where(e => e.Kind == kind).ToList();

    public IReadOnlyList<RecoveryExecution> History() => RecoveryHistory.Build(Store.Events);

    public async Task WaitForAsync(string kind, int count = 1, double seconds = 20)
    {
        try
        {
            await Eventually.WaitUntilAsync(() => Events(kind).Count >= count, TimeSpan.FromSeconds(seconds), $"{count} x {kind}");
        }
        catch (TimeoutException ex)
        {
            var seen = string.Join("\n", Store.Events.Where(e => e.Kind.StartsWith("recovery.", StringComparison.Ordinal)).Select(e => e.Kind + ": " + e.Cause));
            throw new TimeoutException($"{ex.Message}; recovery events so far:\n{seen}", ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (System is not null)
        {
            await System.DisposeAsync();
        }

        _temp.Dispose();
    }
}
