using Microsoft.Data.Sqlite;

namespace Bulwark.Failover;

/// <summary>
/// Leases in one SQLite file shared by the processes of one machine: each change in a <c>BEGIN IMMEDIATE</c>
/// transaction (one writer at a time across processes), an epoch column as the fencing token, never reset
/// (a released or expired lease keeps its epoch; the next term takes epoch + 1).
/// <para>
/// Expiry is judged on the machine's monotonic clock (<see cref="TimeProvider.GetTimestamp"/>: CLOCK_MONOTONIC on
/// Linux), which every process on the machine shares and which never steps: an NTP step of the wall clock cannot
/// end a lease early and give two leaders. Each row names its clock (the kernel's boot id), so a lease written before a
/// reboot, whose monotonic time means nothing after it, counts as expired. Rows an older Bulwark wrote, without a
/// monotonic expiry, are judged by the wall clock as before. The wall clock is kept for display only.
/// </para>
/// </summary>
public sealed class SqliteLeaseCoordinator : ILeaseCoordinator
{
    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;
    private readonly string _clock;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private SqliteLeaseCoordinator(SqliteConnection connection, TimeProvider time, string clock)
    {
        _connection = connection;
        _time = time;
        _clock = clock;
    }

    /// <summary>
    /// Which monotonic clock a row's expiry is on: the kernel's boot id for the system clock (a reboot starts a new
    /// one), else the name the caller gave (tests that share one <see cref="TimeProvider"/>).
    /// </summary>
    internal static string SystemClockId()
    {
        try
        {
            return "boot:" + File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // No boot id (not Linux): this process's start is the best bound; other processes then see every lease of
            // this one as on another clock, so leases are judged by what each process can prove, never longer.
            return "process:" + Environment.ProcessId + ":" + Environment.TickCount64;
        }
    }

    /// <summary>
    /// Opens (creating when missing) the lease file at <paramref name="databasePath"/>; expiry by
    /// <paramref name="timeProvider"/>'s monotonic clock (<see cref="TimeProvider.GetTimestamp"/>).
    /// </summary>
    public static Task<SqliteLeaseCoordinator> OpenAsync(string databasePath, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default) =>
        OpenAsync(databasePath, timeProvider, clockId: null, cancellationToken);

    /// <summary>As <see cref="OpenAsync(string, TimeProvider?, CancellationToken)"/>, naming the monotonic clock (for tests sharing one fake clock).</summary>
    internal static async Task<SqliteLeaseCoordinator> OpenAsync(string databasePath, TimeProvider? timeProvider, string? clockId, CancellationToken cancellationToken)
    {
        var time = timeProvider ?? TimeProvider.System;
        var clock = clockId ?? (ReferenceEquals(time, TimeProvider.System) ? SystemClockId() : "custom");
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

        return new SqliteLeaseCoordinator(connection, time, clock);
    }

    /// <inheritdoc />
    public async ValueTask<Lease?> TryAcquireAsync(string group, string holder, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(group);
        ArgumentException.ThrowIfNullOrWhiteSpace(holder);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        return await InTransactionAsync(async () =>
        {
            var now = Now();
            var current = await ReadRowAsync(group, cancellationToken).ConfigureAwait(false);
            if (current is { } row)
            {
                if (now.Before(row.Expires))
                {
                    return null; // someone's lease (ours included: a new term needs the old one released) is valid
                }

                if (row.HandoverTo is { } target && now.Before(row.HandoverUntil) && target != holder)
                {
                    return null; // a switchover reserved the next term for another replica
                }
            }

            var epoch = current?.Epoch ?? 0;
            var byHandover = current is { HandoverTo: { } to } pending && now.Before(pending.HandoverUntil) && to == holder;
            using var write = _connection.CreateCommand();
            write.CommandText = """
                INSERT INTO leases (group_name, holder, epoch, expires_ms, renewed_ms, handover_to, handover_until_ms, clock, expires_mono_ms, handover_until_mono_ms)
                VALUES ($group, $holder, $epoch, $expires, $now, NULL, NULL, $clock, $expiresMono, NULL)
                ON CONFLICT (group_name) DO UPDATE SET holder = excluded.holder, epoch = excluded.epoch,
                  expires_ms = excluded.expires_ms, renewed_ms = excluded.renewed_ms, handover_to = NULL, handover_until_ms = NULL,
                  clock = excluded.clock, expires_mono_ms = excluded.expires_mono_ms, handover_until_mono_ms = NULL;
                """;
            write.Parameters.AddWithValue("$group", group);
            write.Parameters.AddWithValue("$holder", holder);
            write.Parameters.AddWithValue("$epoch", epoch + 1);
            write.Parameters.AddWithValue("$now", now.WallMs);
            write.Parameters.AddWithValue("$expires", now.WallMs + (long)ttl.TotalMilliseconds);
            write.Parameters.AddWithValue("$clock", _clock);
            write.Parameters.AddWithValue("$expiresMono", now.MonoMs + (long)ttl.TotalMilliseconds);
            await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return new Lease(group, holder, new FencingToken(epoch + 1), ttl)
            {
                Previous = current is { Epoch: > 0 } previous
                    ? new PreviousTerm(previous.Holder, new FencingToken(previous.Epoch), DateTimeOffset.FromUnixTimeMilliseconds(previous.RenewedMs)) { Released = previous.Expires.WallMs == 0 }
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
            var now = Now();

            // Only this term, only while still valid (an expired lease is not revived, even if nobody took it), and not
            // while a switchover hands the group to another replica (the leader resigns first).
            if (await ReadRowAsync(lease.Group, cancellationToken).ConfigureAwait(false) is not { } row ||
                row.Holder != lease.Holder || row.Epoch != lease.Token.Value || !now.Before(row.Expires) ||
                (row.HandoverTo is { } target && target != lease.Holder && now.Before(row.HandoverUntil)))
            {
                return false;
            }

            using var write = _connection.CreateCommand();
            write.CommandText = """
                UPDATE leases SET expires_ms = $expires, renewed_ms = $now, clock = $clock, expires_mono_ms = $expiresMono
                WHERE group_name = $group AND holder = $holder AND epoch = $epoch;
                """;
            write.Parameters.AddWithValue("$group", lease.Group);
            write.Parameters.AddWithValue("$holder", lease.Holder);
            write.Parameters.AddWithValue("$epoch", lease.Token.Value);
            write.Parameters.AddWithValue("$now", now.WallMs);
            write.Parameters.AddWithValue("$expires", now.WallMs + (long)lease.Ttl.TotalMilliseconds);
            write.Parameters.AddWithValue("$clock", _clock);
            write.Parameters.AddWithValue("$expiresMono", now.MonoMs + (long)lease.Ttl.TotalMilliseconds);
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
            write.CommandText = "UPDATE leases SET expires_ms = 0, expires_mono_ms = NULL WHERE group_name = $group AND holder = $holder AND epoch = $epoch;";
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

            var now = Now();
            var pending = row.HandoverTo is not null && now.Before(row.HandoverUntil);
            return new LeaseRecord(group, row.Holder, new FencingToken(row.Epoch),
                DateTimeOffset.FromUnixTimeMilliseconds(row.RenewedMs), now.AsWallTime(row.Expires))
            {
                HandoverTo = pending ? row.HandoverTo : null,
                HandoverUntil = pending ? now.AsWallTime(row.HandoverUntil) : null,
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
            var now = Now();
            using var write = _connection.CreateCommand();

            // A group that never had a leader gets an expired row (epoch 0), so the reservation has somewhere to live. The
            // window is on this clock; a lease on another clock (another boot) has expired anyway.
            write.CommandText = """
                INSERT INTO leases (group_name, holder, epoch, expires_ms, renewed_ms, handover_to, handover_until_ms, clock, expires_mono_ms, handover_until_mono_ms)
                VALUES ($group, '', 0, 0, 0, $target, $until, $clock, NULL, $untilMono)
                ON CONFLICT (group_name) DO UPDATE SET handover_to = excluded.handover_to, handover_until_ms = excluded.handover_until_ms,
                  handover_until_mono_ms = CASE WHEN clock = excluded.clock THEN excluded.handover_until_mono_ms ELSE NULL END;
                """;
            write.Parameters.AddWithValue("$group", group);
            write.Parameters.AddWithValue("$target", target);
            write.Parameters.AddWithValue("$until", now.WallMs + (long)window.TotalMilliseconds);
            write.Parameters.AddWithValue("$clock", _clock);
            write.Parameters.AddWithValue("$untilMono", now.MonoMs + (long)window.TotalMilliseconds);
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

        foreach (var (name, type) in new[]
                 {
                     ("renewed_ms", "INTEGER NOT NULL DEFAULT 0"), ("handover_to", "TEXT"), ("handover_until_ms", "INTEGER"),
                     ("clock", "TEXT"), ("expires_mono_ms", "INTEGER"), ("handover_until_mono_ms", "INTEGER"),
                 })
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
        read.CommandText = """
            SELECT holder, epoch, expires_ms, renewed_ms, handover_to, handover_until_ms, clock, expires_mono_ms, handover_until_mono_ms
            FROM leases WHERE group_name = $group;
            """;
        read.Parameters.AddWithValue("$group", group);
        var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            var clock = reader.IsDBNull(6) ? null : reader.GetString(6);
            long? Mono(int i) => reader.IsDBNull(i) ? null : reader.GetInt64(i);
            return new Row(
                reader.GetString(0), reader.GetInt64(1), reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                new Instant(reader.GetInt64(2), clock, Mono(7)), new Instant(reader.IsDBNull(5) ? 0 : reader.GetInt64(5), clock, Mono(8)));
        }
    }

    private Moment Now() => new(_time.GetUtcNow().ToUnixTimeMilliseconds(), (long)_time.GetElapsedTime(0, _time.GetTimestamp()).TotalMilliseconds, _clock);

    private readonly record struct Row(string Holder, long Epoch, long RenewedMs, string? HandoverTo, Instant Expires, Instant HandoverUntil);

    /// <summary>An end time as a row holds it: wall milliseconds, and monotonic milliseconds on a named clock when written so.</summary>
    private readonly record struct Instant(long WallMs, string? Clock, long? MonoMs);

    /// <summary>This coordinator's now, on both clocks.</summary>
    private readonly record struct Moment(long WallMs, long MonoMs, string Clock)
    {
        /// <summary>
        /// True while <paramref name="end"/> is still ahead: on the monotonic clock when it is ours; never when it is on
        /// another clock (a lease of another boot cannot still be held); by the wall clock for a row without one.
        /// </summary>
        public bool Before(Instant end) => end.MonoMs is { } mono
            ? end.Clock == Clock && MonoMs < mono
            : WallMs < end.WallMs;

        /// <summary>For display: the wall time at which <paramref name="end"/> falls, by this clock.</summary>
        public DateTimeOffset AsWallTime(Instant end) => DateTimeOffset.FromUnixTimeMilliseconds(
            end.MonoMs is { } mono && end.Clock == Clock ? WallMs + (mono - MonoMs) : end.MonoMs is null ? end.WallMs : Math.Min(end.WallMs, WallMs));
    }

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
