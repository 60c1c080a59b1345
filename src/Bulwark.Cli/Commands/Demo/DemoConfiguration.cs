using System.Globalization;

namespace Bulwark.Cli.Commands.Demo;

/// <summary>
/// The demo's configuration, written into its data directory: the venue simulator and two PaperTrader replicas as
/// supervised processes; the venue watched over HTTP; the engines' failover group observed on the SQLite coordinator
/// (the engines compete for it, Bulwark watches and drills it); redundancy N+1 over them; the risk gate the engines check
/// every order with (over HTTP, with the engine key); SLOs on the system, the venue and the engines; a restart plan for
/// the venue (the engines restart themselves: restart always).
/// </summary>
internal static class DemoConfiguration
{
    public const string FileName = "demo.yaml";

    /// <summary>Marks a directory as the demo's own, so a later start may empty it (and nothing else).</summary>
    public const string Marker = ".bulwark-demo";

    /// <summary>The built samples the demo runs.</summary>
    public static string[] Samples(string repository) =>
    [
        Path.Combine(repository, "samples", "VenueSimulator", "bin", "Release", "net10.0", "VenueSimulator.dll"),
        Path.Combine(repository, "samples", "PaperTrader", "bin", "Release", "net10.0", "PaperTrader.dll"),
    ];

    /// <summary>
    /// Empties the directory for a fresh demo when it is the demo's (its marker is there) or creates it; refuses (with
    /// why) a directory with other files, which is not the demo's to delete.
    /// </summary>
    public static string? Prepare(string directory)
    {
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
        {
            if (!File.Exists(Path.Combine(directory, Marker)))
            {
                return $"{directory} holds files that are not a demo's (no {Marker} file); choose another directory";
            }

            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        File.WriteAllText(Path.Combine(directory, Marker), "made by bulwark demo; emptied at each start\n");
        return null;
    }

    /// <summary>Writes the configuration (readable by its owner only: it holds the engine key) and returns its path.</summary>
    public static string Write(string directory, string repository, int venuePort, string server, string engineKey, double rate)
    {
        var (venue, trader) = (Samples(repository)[0], Samples(repository)[1]);
        var r = rate.ToString(CultureInfo.InvariantCulture);
        var yaml = $$"""
            # Written by `bulwark demo` (src/Bulwark.Cli/Commands/Demo/DemoConfiguration.cs); rewritten at each start.
            dataDirectory: {{Q(directory)}}
            checkIntervalSeconds: 1
            maxRecoveryTimeSeconds: 30
            availabilityTarget: 0.999

            components:
              - name: venue
                criticality: critical
                failureThreshold: 2
                successThreshold: 1
                checks:
                  - { type: http, name: health, url: "http://127.0.0.1:{{venuePort}}/health", timeoutSeconds: 1 }

            recovery:
              processes:
                - name: venue
                  command: dotnet
                  args: [{{Q(venue)}}, --port, "{{venuePort}}", --log, {{Q(Path.Combine(directory, "venue.log"))}}]
                  workingDirectory: {{Q(directory)}}
                  restart: never              # restart-venue below restarts it, planned and validated
                  stopGraceSeconds: 5
                - name: trader
                  command: dotnet
                  args: [{{Q(trader)}}, --replica, trader, --backend, sqlite, --coordinator, {{Q(Path.Combine(directory, "leases.db"))}},
                         --journal, {{Q("sqlite:" + Path.Combine(directory, "trader-journal.db"))}},
                         --venue, "http://127.0.0.1:{{venuePort}}", --gate, {{Q(server)}}, --rate, "{{r}}", --resting, "20", --status-ms, "5000"]
                  environment: { BULWARK_GATE_KEY: {{Q(engineKey)}} }
                  workingDirectory: {{Q(directory)}}
                  replicas: 2                 # trader.0 and trader.1: one leads, the other waits
                  restart: always
                  restartDelaySeconds: 0.2
                  stopGraceSeconds: 5
              plans:
                - name: restart-venue
                  component: venue
                  description: restart the venue simulator when it exits or stops answering
                  triggers:
                    - processExit: venue
                    - state: Failed
                      checks: 2
                  steps:
                    - action: restart
                      process: venue
                      timeoutSeconds: 20
                  validation:
                    deadlineSeconds: 20

            failover:
              replica: bulwark
              coordinator:
                backend: sqlite
                path: leases.db
              groups:
                - name: engines
                  observe: true               # the engines compete for it; Bulwark watches and drills it

            redundancy:
              drillTimeoutSeconds: 30
              services:
                - name: engines
                  type: activePassive
                  failoverGroup: engines
                  process: trader
                  trading: true
                  capacity: 1
                  level: 1
                  host: localhost
                  zone: local
                  region: local

            availability:
              slos:
                - name: system
                  subject: system
                  objective: 0.999
                  windowDays: 1
                - name: venue-uptime
                  subject: venue
                  objective: 0.999
                  windowDays: 1
                - name: engines-up
                  components: [trader]
                  objective: 0.99
                  windowDays: 1

            trading:
              enabledChecks: [maximumOrderQuantity, maximumOrderNotional, priceCollar, positionLimits]
              referencePriceMaximumAgeSeconds: 5
              firm:
                maximumOrderQuantity: 1000
                maximumOrderNotional: 1000000
                priceCollarPercent: 5
                maximumLongPosition: 1000000
                maximumShortPosition: 1000000
              accounts: [{ name: paper }]
              strategies: [{ name: demo }]
              instruments:
                - { symbol: XYZ, tickSize: 0.01 }
                - { symbol: ABC, tickSize: 0.01 }
              bridge:
                restoreOnRecovery: true       # the demo resumes by itself once the system is healthy again (default: a person does)

            server:
              urls: [{{Q(server)}}]
            """;
        var path = Path.Combine(directory, FileName);
        File.WriteAllText(path, yaml + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return path;
    }

    /// <summary>A YAML double-quoted scalar.</summary>
    private static string Q(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
