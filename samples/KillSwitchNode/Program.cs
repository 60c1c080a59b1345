using System.Globalization;
using Bulwark;
using Bulwark.Etcd;
using Bulwark.PostgreSql;
using Bulwark.Trading;

// One node of an installation that shares its kill switch: a risk gate and its kill switch, replicated through
// etcd or PostgreSQL. It prints one line per change it applies from another node, with the time it applied it
// (Unix microseconds, this machine's clock), so a test on the same machine can measure propagation. Usage:
//   KillSwitchNode --backend postgres|etcd --coordinator CONNSTR|ENDPOINTS [--prefix /bulwark/killswitch/]
var backend = Arg("--backend") ?? throw new ArgumentException("--backend is required (postgres or etcd)");
var coordinator = Arg("--coordinator") ?? throw new ArgumentException("--coordinator is required");
IKillSwitchChannel channel = backend switch
{
    "postgres" => await PostgreSqlKillSwitchChannel.OpenAsync(coordinator),
    "etcd" => new EtcdKillSwitchChannel(coordinator, Arg("--prefix") ?? "/bulwark/killswitch/"),
    _ => throw new ArgumentException($"--backend must be postgres or etcd, got '{backend}'"),
};

var options = new RiskGateOptions { EnabledChecks = RiskChecks.MaximumOrderQuantity };
options.Accounts.Add("paper");
options.Strategies.Add("demo");
options.Instruments["XYZ"] = new InstrumentOptions { TickSize = 0.01 };
options.Firm = new RiskLimits { MaximumOrderQuantity = 100 };
var gate = new RiskGate(options);
var killSwitch = new KillSwitch(gate, new MemoryEventStore());
var output = TextWriter.Synchronized(Console.Out);
await using var replication = await KillSwitchReplication.StartAsync(killSwitch, channel);
replication.Applied += state => output.WriteLine(FormattableString.Invariant(
    $"applied {state.Scope} {(state.Engaged ? "engaged" : "released")} {state.Revision} {Micros()}"));
replication.SyncChanged += inSync => output.WriteLine(inSync ? "in-sync" : "cut-off");
output.WriteLine("in-sync");

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}

await channel.DisposeAsync();
return 0;

static long Micros() => (TimeProvider.System.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / 10;

string? Arg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

/// <summary>This node's own log, in memory: the sample shows replication, not storage.</summary>
internal sealed class MemoryEventStore : IEventStore
{
    private readonly List<SafetyEvent> _events = [];

    public ValueTask<long> AppendAsync(SafetyEvent safetyEvent, CancellationToken cancellationToken = default)
    {
        lock (_events)
        {
            _events.Add(safetyEvent with { Sequence = _events.Count + 1 });
            return ValueTask.FromResult((long)_events.Count);
        }
    }

    public ValueTask<IReadOnlyList<SafetyEvent>> ReadAsync(EventQuery query, CancellationToken cancellationToken = default)
    {
        lock (_events)
        {
            return ValueTask.FromResult<IReadOnlyList<SafetyEvent>>(
                _events.Where(e => query.KindPrefix is null || e.Kind.StartsWith(query.KindPrefix, StringComparison.Ordinal)).ToList());
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
