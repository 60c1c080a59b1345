using PaperTrader;

// A paper-trading engine, one replica of a failover group (or alone with --backend none). While it leads, it sends
// orders at a steady rate through the risk gate (which rejects them when leadership is not held) to the venue, stamped
// with the term's fencing token; the venue's fills go back to the gate, so positions are real. With --journal, every
// accepted order and every report goes to the fenced trading journal (durable before the order is sent), the gate is
// rebuilt from it on start, and a new leader reads the previous term from it before its first order.
//
//   PaperTrader --replica ID --venue URL [--backend sqlite|postgres|etcd|none] [--coordinator FILE|CONNSTR|ENDPOINTS]
//               [--group engines] [--ttl-ms 1000] [--margin-ms 300] [--renew-ms 200] [--retry-ms 50]
//               [--rate 100 | --interval-ms MS] [--journal sqlite:FILE|postgres:CONNSTR] [--commands FILE]
//               [--daily-loss N] [--evaluate-ms 200] [--status-ms 1000] [--send-delay-ms 0 (fault injection)]
//               [--gate URL (the key in BULWARK_GATE_KEY)] [--resting N (keep up to N orders resting at the venue)]
//
// A check refused for a kill switch (KillSwitchEngaged, by this gate or the server's) cancels every order working at
// the venue and prints `cancel-all`; the `rate` line counts the cancels.
//
// Output lines are machine-readable (key=value): `started`, `leader`/`follower`, `rebuilt`, `takeover`, `position`,
// `working`, `state`, `journal` (RefusedAsStale), `rate`, `deposed`, `cancel-all`, and for the command file `order`, `fill`, ...
// Exit codes: 0 stopped, 2 bad arguments, 3 deposed with journal rows refused (restart to rebuild from the journal).
// Supervised by Bulwark (recovery.processes with replicas: N), each copy gets BULWARK_REPLICA=i and is replica ID.i.
var settings = TraderArguments.Parse(args, Environment.GetEnvironmentVariable("BULWARK_REPLICA"), out var errors);
if (settings is null)
{
    foreach (var error in errors)
    {
        Console.Error.WriteLine("error: " + error);
    }

    return 2;
}

// Not disposed: ProcessExit can still fire once Main has returned.
var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
await using var trader = new Trader(settings, TimeProvider.System);
try
{
    return await trader.RunAsync(stop.Token);
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    return 0; // stopped while starting
}
