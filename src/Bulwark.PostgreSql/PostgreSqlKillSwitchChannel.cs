using System.Text.Json;
using Bulwark.Trading;
using Npgsql;

namespace Bulwark.PostgreSql;

/// <summary>
/// The installation's kill switches as rows of <c>bulwark_kill_switches</c>, each change numbered from a sequence and
/// announced with <c>NOTIFY bulwark_killswitch</c> in the same transaction (the payload is the row, so a listener need
/// not read it back). A listener keeps one connection with <c>LISTEN</c>, proves it alive with a query whenever 500 ms
/// pass without a notification, and on every reconnection re-reads the table: a notification sent while it was away
/// is never delivered, the row is.
/// </summary>
public sealed class PostgreSqlKillSwitchChannel : FollowingKillSwitchChannel
{
    private const string Channel = "bulwark_killswitch";
    private static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(500);
    private readonly NpgsqlDataSource _dataSource;

    private PostgreSqlKillSwitchChannel(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    /// <summary>Connects with <paramref name="connectionString"/> and creates the table when missing.</summary>
    public static async Task<PostgreSqlKillSwitchChannel> OpenAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var dataSource = await PostgreSqlSchema.OpenAsync(PostgreSqlConnections.ForCoordination(connectionString), cancellationToken).ConfigureAwait(false);

        return new PostgreSqlKillSwitchChannel(dataSource);
    }

    /// <inheritdoc />
    public override async ValueTask<KillSwitchState> PublishAsync(KillSwitchState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        using var command = _dataSource.CreateCommand("""
            WITH row AS (
              INSERT INTO bulwark_kill_switches AS k (scope, engaged, who, reason, revision)
              VALUES ($1, $2, $3, $4, nextval('bulwark_kill_switch_revisions'))
              ON CONFLICT (scope) DO UPDATE SET engaged = excluded.engaged, who = excluded.who, reason = excluded.reason, revision = excluded.revision
              RETURNING scope, engaged, who, reason, revision)
            SELECT revision, pg_notify('bulwark_killswitch', json_build_object('scope', scope, 'engaged', engaged, 'who', who, 'reason', reason, 'revision', revision)::text)
            FROM row;
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = state.Scope });
        command.Parameters.Add(new NpgsqlParameter { Value = state.Engaged });
        command.Parameters.Add(new NpgsqlParameter { Value = state.Who });
        command.Parameters.Add(new NpgsqlParameter { Value = state.Reason });
        try
        {
            var revision = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            return state with { Revision = revision };
        }
        catch (PostgresException ex) when (ex.SqlState.StartsWith("22", StringComparison.Ordinal) || ex.SqlState.StartsWith("54", StringComparison.Ordinal))
        {
            // Data exception or program limit (a NOTIFY payload of 8,000 bytes or more, a NUL byte): the same change fails again.
            throw new KillSwitchChangeRefusedException($"PostgreSQL refused the change of {state.Scope}: {ex.SqlState} {ex.MessageText}", ex);
        }
    }

    /// <inheritdoc />
    public override async ValueTask<IReadOnlyList<KillSwitchState>> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await ReadAllAsync(connection, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    protected override async Task FollowOnceAsync(Func<KillSwitchState, Task> changed, Action inSync, CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var pending = System.Threading.Channels.Channel.CreateUnbounded<KillSwitchState>();
            connection.Notification += (_, e) =>
            {
                if (Decode(e.Payload) is { } state)
                {
                    pending.Writer.TryWrite(state);
                }
            };

            // Listen first, then read: a change between the two arrives both ways, and revisions drop the repeat.
            using (var listen = new NpgsqlCommand($"LISTEN {Channel};", connection))
            {
                await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            foreach (var state in await ReadAllAsync(connection, cancellationToken).ConfigureAwait(false))
            {
                await changed(state).ConfigureAwait(false);
            }

            inSync();
            while (!cancellationToken.IsCancellationRequested)
            {
                if (!await connection.WaitAsync(Heartbeat, cancellationToken).ConfigureAwait(false))
                {
                    using var ping = new NpgsqlCommand("SELECT 1;", connection);
                    await ping.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false); // a dead connection throws here
                }

                while (pending.Reader.TryRead(out var state))
                {
                    await changed(state).ConfigureAwait(false);
                }
            }
        }
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync() => await _dataSource.DisposeAsync().ConfigureAwait(false);

    private static async Task<IReadOnlyList<KillSwitchState>> ReadAllAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand("SELECT scope, engaged, who, reason, revision FROM bulwark_kill_switches;", connection);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            var states = new List<KillSwitchState>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                states.Add(new KillSwitchState(reader.GetString(0), reader.GetBoolean(1), reader.GetString(2), reader.GetString(3)) { Revision = reader.GetInt64(4) });
            }

            return states;
        }
    }

    private static KillSwitchState? Decode(string payload)
    {
        try
        {
            var value = JsonSerializer.Deserialize<Stored>(payload);
            return value is null ? null : new KillSwitchState(value.Scope, value.Engaged, value.Who, value.Reason) { Revision = value.Revision };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record Stored(
        [property: System.Text.Json.Serialization.JsonPropertyName("scope")] string Scope,
        [property: System.Text.Json.Serialization.JsonPropertyName("engaged")] bool Engaged,
        [property: System.Text.Json.Serialization.JsonPropertyName("who")] string Who,
        [property: System.Text.Json.Serialization.JsonPropertyName("reason")] string Reason,
        [property: System.Text.Json.Serialization.JsonPropertyName("revision")] long Revision);
}
