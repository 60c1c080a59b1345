using Microsoft.Data.Sqlite;

namespace Bulwark.Failover;

/// <summary>
/// Leases in one SQLite file shared by the processes of one machine: each change in a <c>BEGIN IMMEDIATE</c>
/// transaction (one writer at a time across processes), an epoch column as the fencing token, never reset
/// (a released or expired lease keeps its epoch; the next term takes epoch + 1). Expiry uses the machine's
/// clock, which every process on it shares.
/// </summary>
public sealed class SqliteLeaseCoordinator : ILeaseCoordinator
{
    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private SqliteLeaseCoordinator(SqliteConnection connection, TimeProvider time)
    {
        _connection = connection;
        _time = time;
    }

    /// <summary>Opens (creating when missing) the lease file at <paramref name="databasePath"/>; expiry by <paramref name="timeProvider"/>'s wall clock.</summary>
    public static async Task<SqliteLeaseCoordinator> OpenAsync(string databasePath, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        var full = Path.GetFullPath(databasePath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 5,
        }.ToString());
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);

            // The busy timeout first: the switch to WAL waits for a lock when other replicas open the file at once.
            await ExecuteAsync(connection, """
                PRAGMA busy_timeout = 5000;
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = FULL;
                """, cancellationToken).ConfigureAwait(false);

            // The schema and its migration in one write transaction: replicas starting together on a new file take
            // turns, and each one sees the columns the one before it added. The first version's table, then every
            // column added since (MigrateAsync), so a new file and an old one end up alike.
            await InWriteTransactionAsync(connection, async () =>
            {
                await ExecuteAsync(connection, """
                    CREATE TABLE IF NOT EXISTS leases (
                      group_name    TEXT PRIMARY KEY,
                      holder        TEXT NOT NULL,
                      epoch         INTEGER NOT NULL,
                      expires_ms    INTEGER NOT NULL
                    );
                    """, cancellationToken).ConfigureAwait(false);
                await MigrateAsync(connection, cancellationToken).ConfigureAwait(false);
                return true;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new SqliteLeaseCoordinator(connection, timeProvider ?? TimeProvider.System);
    }

    /// <inheritdoc />
    public async ValueTask<Lease?> TryAcquireAsync(string group, string holder, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(group);
        ArgumentException.ThrowIfNullOrWhiteSpace(holder);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        return await InTransactionAsync(async () =>
        {
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            var current = await ReadRowAsync(group, cancellationToken).ConfigureAwait(false);
            if (current is { } row)
            {
                if (row.ExpiresMs > now)
                {
                    return null; // someone's lease (ours included: a new term needs the old one released) is valid
                }

                if (row.HandoverTo is { } target && row.HandoverUntilMs > now && target != holder)
                {
                    return null; // a switchover reserved the next term for another replica
                }
            }

            var epoch = current?.Epoch ?? 0;
            var byHandover = current is { HandoverTo: { } to } pending && pending.HandoverUntilMs > now && to == holder;
            using var write = _connection.CreateCommand();
            write.CommandText = """
                INSERT INTO leases (group_name, holder, epoch, expires_ms, renewed_ms, handover_to, handover_until_ms)
                VALUES ($group, $holder, $epoch, $expires, $now, NULL, NULL)
                ON CONFLICT (group_name) DO UPDATE SET holder = excluded.holder, epoch = excluded.epoch,
                  expires_ms = excluded.expires_ms, renewed_ms = excluded.renewed_ms, handover_to = NULL, handover_until_ms = NULL;
                """;
            write.Parameters.AddWithValue("$group", group);
            write.Parameters.AddWithValue("$holder", holder);
            write.Parameters.AddWithValue("$epoch", epoch + 1);
            write.Parameters.AddWithValue("$now", now);
            write.Parameters.AddWithValue("$expires", now + (long)ttl.TotalMilliseconds);
            await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return new Lease(group, holder, new FencingToken(epoch + 1), ttl)
            {
                Previous = current is { Epoch: > 0 } previous
                    ? new PreviousTerm(previous.Holder, new FencingToken(previous.Epoch), DateTimeOffset.FromUnixTimeMilliseconds(previous.RenewedMs)) { Released = previous.ExpiresMs == 0 }
                    : null,
                ByHandover = byHandover,
            };
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<bool> RenewAsync(Lease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return await InTransactionAsync(async () =>
        {
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            using var write = _connection.CreateCommand();

            // Only this term, only while still valid (an expired lease is not revived, even if nobody took it), and not
            // while a switchover hands the group to another replica (the leader resigns first).
            write.CommandText = """
                UPDATE leases SET expires_ms = $expires, renewed_ms = $now
                WHERE group_name = $group AND holder = $holder AND epoch = $epoch AND expires_ms > $now
                  AND (handover_to IS NULL OR handover_to = $holder OR handover_until_ms <= $now);
                """;
            write.Parameters.AddWithValue("$group", lease.Group);
            write.Parameters.AddWithValue("$holder", lease.Holder);
            write.Parameters.AddWithValue("$epoch", lease.Token.Value);
            write.Parameters.AddWithValue("$now", now);
            write.Parameters.AddWithValue("$expires", now + (long)lease.Ttl.TotalMilliseconds);
            return await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask ReleaseAsync(Lease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        await InTransactionAsync(async () =>
        {
            using var write = _connection.CreateCommand();
            write.CommandText = "UPDATE leases SET expires_ms = 0 WHERE group_name = $group AND holder = $holder AND epoch = $epoch;";
            write.Parameters.AddWithValue("$group", lease.Group);
            write.Parameters.AddWithValue("$holder", lease.Holder);
            write.Parameters.AddWithValue("$epoch", lease.Token.Value);
            await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<LeaseRecord?> ReadAsync(string group, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(group);
        return await InTransactionAsync(async () =>
        {
            if (await ReadRowAsync(group, cancellationToken).ConfigureAwait(false) is not { } row)
            {
                return null;
            }

            var pending = row.HandoverTo is not null && row.HandoverUntilMs > _time.GetUtcNow().ToUnixTimeMilliseconds();
            return new LeaseRecord(group, row.Holder, new FencingToken(row.Epoch),
                DateTimeOffset.FromUnixTimeMilliseconds(row.RenewedMs), DateTimeOffset.FromUnixTimeMilliseconds(row.ExpiresMs))
            {
                HandoverTo = pending ? row.HandoverTo : null,
                HandoverUntil = pending ? DateTimeOffset.FromUnixTimeMilliseconds(row.HandoverUntilMs) : null,
            };
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask RequestHandoverAsync(string group, string target, TimeSpan window, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(group);
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        await InTransactionAsync(async () =>
        {
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            using var write = _connection.CreateCommand();

            // A group that never had a leader gets an expired row (epoch 0), so the reservation has somewhere to live.
            write.CommandText = """
                INSERT INTO leases (group_name, holder, epoch, expires_ms, renewed_ms, handover_to, handover_until_ms)
                VALUES ($group, '', 0, 0, 0, $target, $until)
                ON CONFLICT (group_name) DO UPDATE SET handover_to = excluded.handover_to, handover_until_ms = excluded.handover_until_ms;
                """;
            write.Parameters.AddWithValue("$group", group);
            write.Parameters.AddWithValue("$target", target);
            write.Parameters.AddWithValue("$until", now + (long)window.TotalMilliseconds);
            await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Adds the columns a lease file written by an older Bulwark lacks.</summary>
    private static async Task MigrateAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        var columns = new HashSet<string>(StringComparer.Ordinal);
        using (var info = connection.CreateCommand())
        {
            info.CommandText = "SELECT name FROM pragma_table_info('leases');";
            var reader = await info.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    columns.Add(reader.GetString(0));
                }
            }
        }

        foreach (var (name, type) in new[] { ("renewed_ms", "INTEGER NOT NULL DEFAULT 0"), ("handover_to", "TEXT"), ("handover_until_ms", "INTEGER") })
        {
            if (!columns.Contains(name))
            {
                await ExecuteAsync(connection, $"ALTER TABLE leases ADD COLUMN {name} {type};", cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<Row?> ReadRowAsync(string group, CancellationToken cancellationToken)
    {
        using var read = _connection.CreateCommand();
        read.CommandText = "SELECT holder, epoch, expires_ms, renewed_ms, handover_to, handover_until_ms FROM leases WHERE group_name = $group;";
        read.Parameters.AddWithValue("$group", group);
        var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            return new Row(
                reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? 0 : reader.GetInt64(5));
        }
    }

    private readonly record struct Row(string Holder, long Epoch, long ExpiresMs, long RenewedMs, string? HandoverTo, long HandoverUntilMs);

    /// <summary>One caller at a time on this coordinator's connection, each in its own write transaction.</summary>
    private async Task<T> InTransactionAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await InWriteTransactionAsync(_connection, work, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary><c>BEGIN IMMEDIATE</c> (one writer at a time across processes), then commit, or roll back on any failure.</summary>
    private static async Task<T> InWriteTransactionAsync<T>(SqliteConnection connection, Func<Task<T>> work, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, "BEGIN IMMEDIATE;", cancellationToken).ConfigureAwait(false);
        try
        {
            var result = await work().ConfigureAwait(false);
            await ExecuteAsync(connection, "COMMIT;", cancellationToken).ConfigureAwait(false);
            return result;
        }
        catch
        {
            await ExecuteAsync(connection, "ROLLBACK;", CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
