using System.Diagnostics;
using Xunit.Abstractions;

namespace Bulwark.Cli.Tests.Failures;

/// <summary>
/// Every command with a table of bad arguments, and every command that reads or writes the store against each way a
/// store gets damaged. Whatever the input: no "Unhandled exception", no stack frame, exit 1 or 2 (0 only where the
/// command can still answer, e.g. a reader of a read-only store), and a failure is explained on stderr (one
/// "error:" line for a store failure). In process, bounded: a fixed table, each case under a deadline.
/// </summary>
public sealed class CliFuzzTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan PerCase = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Data => _dir.File("data");

    /// <summary>A configuration every config-reading command accepts: failover (SQLite), a recovery plan, its store in <see cref="Data"/>.</summary>
    private string WriteConfig()
    {
        var path = _dir.File("bulwark.yaml");
        File.WriteAllText(path, $$"""
            checkIntervalSeconds: 0.2
            dataDirectory: {{Data}}
            components:
              - name: web
                checks:
                  - { type: command, command: "true" }
            failover:
              replica: a
              groups:
                - name: engines
            recovery:
              plans:
                - name: flush
                  component: web
                  steps:
                    - action: command
                      command: "true"
            """);
        return path;
    }

    /// <summary>Every command, with the arguments that make it touch the store (or the configuration).</summary>
    private static IEnumerable<(string[] Command, bool UsesStore, bool Writes)> Commands(string config, string data) =>
    [
        (["status", "--data-dir", data], true, false),
        (["status", "--data-dir", data, "--json"], true, false),
        (["events", "--data-dir", data], true, false),
        (["events", "--data-dir", data, "--json", "--since", "1h"], true, false),
        (["sla", "--data-dir", data], true, false),
        (["sla", "--data-dir", data, "--json"], true, false),
        (["incidents", "--data-dir", data], true, false),
        (["incidents", "--data-dir", data, "--open", "--json"], true, false),
        (["incidents", "ack", DamagedStore.OpenIncident, "--by", "alice", "--note", "n", "--data-dir", data], true, true),
        (["incidents", "resolve", DamagedStore.OpenIncident, "--by", "alice", "--note", "n", "--data-dir", data], true, true),
        (["recover", "history", "--data-dir", data], true, false),
        (["recover", "run", "flush", "--by", "alice", "--reason", "r", "--timeout", "1s", "--config", config], true, true),
        (["recover", "list", "--config", config], false, false),
        (["failover", "status", "--config", config], true, false),
        (["failover", "switchover", "--group", "engines", "--to", "b", "--timeout", "0.2s", "--config", config], true, true),
        (["slo", "rules", "--config", config], false, false),
        (["config", "check", config], false, false),
        (["keys", "list", "--data-dir", data], false, false),
        (["keys", "list", "--data-dir", data, "--json"], false, false),
        (["keys", "add", "--role", "viewer", "--name", "fuzz", "--data-dir", data], false, true),
        (["keys", "revoke", "fuzz", "--data-dir", data], false, true),
    ];

    /// <summary>Bad arguments added to a command: each must be refused with exit 2.</summary>
    private static readonly string[][] BadArguments =
    [
        ["--bogus"],
        ["--bogus", "x"],
        ["extra-positional"],
        ["--json=maybe"],
        ["--data-dir", "--json"],
        ["--limit", "-1"],
        ["--limit", "0"],
        ["--limit", "99999999999999999999"],
        ["--limit", "1e9"],
        ["--since", "20000000d"],
        ["--since", "1000000d"],
        ["--since", "1e400d"],
        ["--since", "-5m"],
        ["--since", ""],
        ["--since", "5"],
        ["--since", "0s"],
        ["--timeout", "1e308s"],
        ["--timeout", "99999999999999999999w"],
        ["--timeout", "2000d"],
        ["--timeout", "never"],
        ["--recent", "-1"],
        ["--recent", "2147483648"],
        ["--by", ""],
        ["--by", " "],
        ["--note", ""],
        ["--group", "nope"],
        ["--to", "b c"],
        ["--to", ""],
        ["\0"],
        ["--\u00e9"],
        [new string('x', 100_000)],
    ];

    [Fact]
    public async Task EveryCommand_WithBadArguments_ExitsWithAnExplanation_NeverACrash()
    {
        var config = WriteConfig();
        await DamagedStore.SeedAsync(Directory.CreateDirectory(Data).FullName);
        var cases = 0;
        var failures = new List<string>();
        foreach (var (command, _, _) in Commands(config, Data))
        {
            foreach (var bad in BadArguments)
            {
                var args = command.Concat(bad).ToArray();
                var result = await RunAsync(args);
                cases++;
                var problem = Check(result, refused: true);

                // A bad argument the command does not take is a parse error (2); one it takes but refuses is 2 as well,
                // unless the command never reaches it (1 for a run-time failure first is not allowed: arguments come first).
                if (problem is null && result.ExitCode != 2 && !(result.ExitCode is 0 or 1 && Harmless(command, bad)))
                {
                    problem = $"exit {result.ExitCode}, expected 2 for a bad argument";
                }

                if (problem is not null)
                {
                    failures.Add($"{Show(args)}: {problem}\n    stderr: {First(result.Stderr)}");
                }
            }
        }

        output.WriteLine($"{cases} bad-argument cases");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>The damages, applied to a seeded store; each returns what undoes it (null: nothing).</summary>
    private static readonly (string Name, Func<string, IDisposable?> Damage, bool Readable)[] Damages =
    [
        ("missing", d => { File.Delete(DamagedStore.DatabasePath(d)); return null; }, false),
        ("read-only", DamagedStore.MakeReadOnly, true),
        ("truncated", d => { DamagedStore.Truncate(d); return null; }, false),
        ("empty file", d => { File.WriteAllBytes(DamagedStore.DatabasePath(d), []); return null; }, false),
        ("not a database", d => { File.WriteAllText(DamagedStore.DatabasePath(d), "this is not a database, it is a text file of some length.\n"); return null; }, false),
        ("newer schema version", d => { DamagedStore.NewerSchema(d); return null; }, false),
        ("malformed status row", d => { DamagedStore.MalformedStatus(d); return null; }, true),
        ("store path is a directory", d => { File.Delete(DamagedStore.DatabasePath(d)); Directory.CreateDirectory(DamagedStore.DatabasePath(d)); return null; }, false),
    ];

    [Fact]
    public async Task EveryStoreCommand_OnADamagedStore_ExitsWithOneLineSayingWhatToDo_NeverACrash()
    {
        var config = WriteConfig();
        var cases = 0;
        var failures = new List<string>();
        foreach (var (name, damage, readable) in Damages)
        {
            foreach (var (command, usesStore, writes) in Commands(config, Data).Append((["run", "--config", config], true, true)))
            {
                // bulwark run on a store it can open (or create) runs until stopped: only the damages that must stop it are tried.
                if (command[0] == "run" && (readable || name is "missing" or "empty file"))
                {
                    continue;
                }

                // The commands run in this process: their pooled connections would outlive the files they opened.
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                if (Directory.Exists(Data))
                {
                    Directory.Delete(Data, recursive: true);
                }

                await DamagedStore.SeedAsync(Directory.CreateDirectory(Data).FullName);
                using (damage(Data))
                {
                    var result = await RunAsync(command, name);
                    cases++;
                    var problem = Check(result, refused: false);
                    if (problem is null && usesStore && !readable && result.ExitCode != 1 &&
                        !(result.ExitCode == 0 && name == "missing" && command[0] == "failover" && !writes))
                    {
                        problem = $"exit {result.ExitCode}, expected 1 for a store that is {name}";
                    }

                    if (problem is null && result.ExitCode != 0)
                    {
                        var errors = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.StartsWith("error: ", StringComparison.Ordinal));
                        problem = errors == 1 ? null : $"{errors} 'error:' lines, expected one";
                    }

                    if (problem is null && result.ExitCode == 0 && result.Stderr.Contains("error: ", StringComparison.Ordinal))
                    {
                        problem = "printed an error but exited 0";
                    }

                    if (problem is not null)
                    {
                        failures.Add($"[{name}] {Show(command)}: {problem}\n    stderr: {First(result.Stderr)}");
                    }
                }
            }
        }

        output.WriteLine($"{cases} damaged-store cases");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [InlineData("not a database")]
    [InlineData("truncated")]
    [InlineData("a directory")]
    public async Task EveryKeysCommand_OnADamagedKeyFile_ExitsWithOneLineSayingWhatToDo_NeverACrash(string damage)
    {
        Directory.CreateDirectory(Data);
        Assert.Equal(0, (await RunAsync(["keys", "add", "--role", "viewer", "--name", "first", "--data-dir", Data])).ExitCode);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var keys = Path.Combine(Data, Bulwark.Server.Auth.ApiKeyStore.FileName);
        switch (damage)
        {
            case "not a database":
                File.WriteAllText(keys, "this is not a database, it is a text file of some length.\n");
                break;
            case "truncated":
                var bytes = File.ReadAllBytes(keys);
                File.WriteAllBytes(keys, bytes[..(bytes.Length / 3)]);
                break;
            default:
                File.Delete(keys);
                Directory.CreateDirectory(keys);
                break;
        }

        var failures = new List<string>();
        foreach (var command in new[]
        {
            new[] { "keys", "list", "--data-dir", Data },
            ["keys", "list", "--data-dir", Data, "--json"],
            ["keys", "add", "--role", "viewer", "--name", "second", "--data-dir", Data],
            ["keys", "revoke", "first", "--data-dir", Data],
        })
        {
            var result = await RunAsync(command, damage);
            var problem = Check(result, refused: false) ?? (result.ExitCode is 1 or 2 ? null : $"exit {result.ExitCode}, expected 1 or 2 for a key file that is {damage}");
            var errors = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.StartsWith("error: ", StringComparison.Ordinal));
            problem ??= errors == 1 ? null : $"{errors} 'error:' lines, expected one";
            problem ??= result.Stderr.Contains(keys, StringComparison.Ordinal) ? null : "the error does not name the key file";
            if (problem is not null)
            {
                failures.Add($"[{damage}] {Show(command)}: {problem}\n    stderr: {First(result.Stderr)}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>Null when the result is acceptable for any input: no crash, no stack trace, exit 0 to 2, a failure explained.</summary>
    private static string? Check((int ExitCode, string Stdout, string Stderr) result, bool refused)
    {
        var all = result.Stdout + result.Stderr;
        if (all.Contains("Unhandled exception", StringComparison.Ordinal))
        {
            return "unhandled exception";
        }

        if (all.Contains("   at ", StringComparison.Ordinal))
        {
            return "stack frame in the output";
        }

        if (result.ExitCode is < 0 or > 2)
        {
            return $"exit {result.ExitCode}";
        }

        if (result.ExitCode != 0 && string.IsNullOrWhiteSpace(result.Stderr))
        {
            return $"exit {result.ExitCode} with nothing on stderr";
        }

        return null;
    }

    /// <summary>A value that is fine where it is given: switchover's --by is optional and defaults to the user name when empty.</summary>
    private static bool Harmless(string[] command, string[] bad) => command[0] == "failover" && bad[0] == "--by";

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string[] args, string store = "seeded")
    {
        var run = CliRunner.RunAsync(args);
        var finished = await Task.WhenAny(run, Task.Delay(PerCase));
        Assert.True(finished == run, $"[{store}] {Show(args)} did not finish within {PerCase.TotalSeconds} s");
        return await run;
    }

    private static string Show(string[] args) => "bulwark " + string.Join(' ', args.Select(a => a.Length > 40 ? a[..20] + $"...({a.Length} chars)" : a.Length == 0 || a.Contains(' ') ? $"'{a}'" : a));

    private static string First(string text) => text.Split('\n').FirstOrDefault() is { } line && line.Length > 300 ? line[..300] : text.Split('\n')[0];
}
