using System.CommandLine;
using Bulwark.Server.Auth;
using Bulwark.Storage;

namespace Bulwark.Cli.Commands;

/// <summary>
/// <c>bulwark keys add|list|revoke</c>: the HTTP API's keys, in <c>keys.db</c> beside the store. A new key is printed
/// once and stored only as its SHA-256; every add and revoke is also an audit event in the event log. A running
/// <c>bulwark run</c> sees a change within two seconds, without a restart.
/// </summary>
internal static class KeysCommand
{
    private const int MaxNameLength = 64;

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var command = new Command("keys", "Manage the HTTP API's keys: add (printed once), list, revoke.");
        command.Subcommands.Add(Add(stdout, stderr));
        command.Subcommands.Add(List(stdout, stderr));
        command.Subcommands.Add(Revoke(stdout, stderr));
        return command;
    }

    private static Command Add(TextWriter stdout, TextWriter stderr)
    {
        var (config, dataDir, json) = (CommonOptions.Config(), CommonOptions.DataDirectory(), CommonOptions.Json());
        var role = new Option<string>("--role") { Description = "viewer (reads), engine (order checks, executions), operator (kill switch, drills, recoveries, incidents), admin (limits).", Required = true };
        var name = new Option<string>("--name") { Description = $"Who or what holds the key (1 to {MaxNameLength} letters, digits, '.', '_', '-', '@'); audit events name it.", Required = true };
        var command = new Command("add", "Create a key with a role and print it, once: it is stored only hashed and cannot be shown again.");
        foreach (var option in new Option[] { role, name, config, dataDir, json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var errors = new List<string>();
            if (!ApiRoles.TryParse(parse.GetValue(role), out var parsedRole))
            {
                errors.Add($"--role: must be one of viewer, engine, operator, admin, got '{parse.GetValue(role)}'.");
            }

            var keyName = parse.GetValue(name) ?? "";
            if (NameProblem(keyName) is { } problem)
            {
                errors.Add($"--name: {problem}.");
            }

            if (errors.Count > 0)
            {
                foreach (var error in errors)
                {
                    await stderr.WriteLineAsync("error: " + error).ConfigureAwait(false);
                }

                return ExitCodes.Usage;
            }

            if (await OpenAsync(parse.GetValue(config), parse.GetValue(dataDir), stderr, cancellationToken).ConfigureAwait(false) is not { } opened)
            {
                return ExitCodes.Usage;
            }

            var who = Who();
            ApiKey key;
            string secret;
            try
            {
                (key, secret) = await OnKeyFileAsync(opened.KeysPath, () => opened.Keys.AddAsync(keyName, parsedRole, who, cancellationToken)).ConfigureAwait(false);
            }
            catch (InvalidOperationException ex)
            {
                await stderr.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            await AuditAsync(opened.DatabasePath, KeyEventKinds.Added, key, who, $"API key added with role {ApiRoles.Name(key.Role)}", stderr, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await stdout.WriteLineAsync(Text.Json(new { key.Id, key.Name, role = ApiRoles.Name(key.Role), key = secret, key.CreatedAt, key.CreatedBy })).ConfigureAwait(false);
            }
            else
            {
                await stdout.WriteLineAsync($"Added API key '{key.Name}' (id {key.Id}, role {ApiRoles.Name(key.Role)}). It is shown once; store it now:").ConfigureAwait(false);
                await stdout.WriteLineAsync(secret).ConfigureAwait(false);
                await stdout.WriteLineAsync("Send it as: Authorization: Bearer KEY").ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(TextWriter stdout, TextWriter stderr)
    {
        var (config, dataDir, json) = (CommonOptions.Config(), CommonOptions.DataDirectory(), CommonOptions.Json());
        var command = new Command("list", "List the keys (never the keys themselves): id, name, role, who added them, whether revoked.");
        foreach (var option in new Option[] { config, dataDir, json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            if (await OpenAsync(parse.GetValue(config), parse.GetValue(dataDir), stderr, cancellationToken).ConfigureAwait(false) is not { } opened)
            {
                return ExitCodes.Usage;
            }

            var keys = await OnKeyFileAsync(opened.KeysPath, () => opened.Keys.ListAsync(cancellationToken)).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await stdout.WriteLineAsync(Text.Json(keys.Select(View))).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            if (keys.Count == 0)
            {
                await stdout.WriteLineAsync("No API keys; add one with 'bulwark keys add --role viewer --name NAME'.").ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            await stdout.WriteAsync(Text.Table(
                ["ID", "NAME", "ROLE", "ADDED", "BY", "REVOKED"],
                keys.Select(k => (IReadOnlyList<string>)[
                    k.Id, k.Name, ApiRoles.Name(k.Role), Text.Time(k.CreatedAt), k.CreatedBy,
                    k.RevokedAt is null ? "-" : $"{Text.Time(k.RevokedAt)} by {k.RevokedBy}"]))).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Revoke(TextWriter stdout, TextWriter stderr)
    {
        var (config, dataDir, json) = (CommonOptions.Config(), CommonOptions.DataDirectory(), CommonOptions.Json());
        var key = new Argument<string>("NAME|ID") { Description = "The name or id of a valid key." };
        var command = new Command("revoke", "Revoke a key: requests with it get 401 within two seconds. Its record stays, marked revoked.");
        command.Arguments.Add(key);
        foreach (var option in new Option[] { config, dataDir, json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            if (await OpenAsync(parse.GetValue(config), parse.GetValue(dataDir), stderr, cancellationToken).ConfigureAwait(false) is not { } opened)
            {
                return ExitCodes.Usage;
            }

            var who = Who();
            var target = parse.GetValue(key) ?? "";
            if (await OnKeyFileAsync(opened.KeysPath, () => opened.Keys.RevokeAsync(target, who, cancellationToken)).ConfigureAwait(false) is not { } revoked)
            {
                await stderr.WriteLineAsync($"error: no valid key has the name or id '{target}'; see 'bulwark keys list'").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            await AuditAsync(opened.DatabasePath, KeyEventKinds.Revoked, revoked, who, "API key revoked", stderr, cancellationToken).ConfigureAwait(false);
            await stdout.WriteLineAsync(parse.GetValue(json)
                ? Text.Json(View(revoked))
                : $"Revoked API key '{revoked.Name}' (id {revoked.Id}, role {ApiRoles.Name(revoked.Role)}).").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Why a key name is refused, or null.</summary>
    internal static string? NameProblem(string name) =>
        name.Length is 0 or > MaxNameLength ? $"must be 1 to {MaxNameLength} characters, got {name.Length}"
        : name.AsSpan().IndexOfAnyExcept("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-@") is var bad and >= 0
            ? $"'{name}' has '{(char.IsControl(name[bad]) ? $"\\u{(int)name[bad]:x4}" : name[bad].ToString())}'; use letters, digits, '.', '_', '-' and '@'"
            : null;

    private static object View(ApiKey k) => new { k.Id, k.Name, role = ApiRoles.Name(k.Role), k.CreatedAt, k.CreatedBy, k.RevokedAt, k.RevokedBy, revoked = k.IsRevoked };

    private static string Who() => $"{Environment.UserName}@{Environment.MachineName}";

    /// <summary>The key file beside the store the command names, opened (created when missing); null after printing why not.</summary>
    private static async Task<(ApiKeyStore Keys, string DatabasePath, string KeysPath)?> OpenAsync(FileInfo? config, DirectoryInfo? dataDir, TextWriter stderr, CancellationToken cancellationToken)
    {
        var (databasePath, errors) = StoreLocator.Locate(config, dataDir);
        if (databasePath is null)
        {
            ConfigErrors.Print(stderr, errors);
            return null;
        }

        var keysPath = Path.Combine(Path.GetDirectoryName(databasePath)!, ApiKeyStore.FileName);
        return (await OnKeyFileAsync(keysPath, () => ApiKeyStore.OpenAsync(keysPath, TimeProvider.System, cancellationToken)).ConfigureAwait(false), databasePath, keysPath);
    }

    /// <summary>Uses the key file; a failure of the file itself (damaged, read-only, full, locked) is one line naming it, exit 1.</summary>
    private static async Task<T> OnKeyFileAsync<T>(string keysPath, Func<Task<T>> use)
    {
        try
        {
            return await use().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not CliFailureException && StoreErrors.Describe(keysPath, ex) is { } message)
        {
            throw new CliFailureException(message, ex);
        }
    }

    /// <summary>Records the change in the event log; a store that cannot take it is a warning (the key change stands).</summary>
    private static async Task AuditAsync(string databasePath, string kind, ApiKey key, string who, string cause, TextWriter stderr, CancellationToken cancellationToken)
    {
        try
        {
            var store = await StoreReader.OpenForWritingAsync(databasePath, stderr, cancellationToken).ConfigureAwait(false);
            await using (store.ConfigureAwait(false))
            {
                await store.AppendAsync(new SafetyEvent
                {
                    Time = TimeProvider.System.GetUtcNow(),
                    Kind = kind,
                    Subject = "key:" + key.Name,
                    Actor = who,
                    Cause = cause,
                    Evidence = System.Text.Json.JsonSerializer.Serialize(new { key.Id, role = ApiRoles.Name(key.Role) }, BulwarkJson.Options),
                }, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (StoreErrors.Describe(databasePath, ex) is { } message)
        {
            await stderr.WriteLineAsync($"warning: the key change is made but not recorded in the event log: {message}").ConfigureAwait(false);
        }
    }
}
