using Bulwark.Failover;
using Npgsql;

namespace Bulwark.PostgreSql;

/// <summary>
/// Leases as rows of one PostgreSQL table, shared by every machine of an installation. Expiry is judged by the
/// server's clock (<c>clock_timestamp()</c>), so the replicas' clocks never have to agree. Each grant is one
/// statement that locks the group's row (<c>INSERT ... ON CONFLICT DO UPDATE ... WHERE expired</c>), and the token is an
/// epoch column that only grows: a released or expired lease keeps its epoch, the next term takes epoch + 1.
/// Unlike a bare advisory lock (held by a session, invisible to the downstream), the term outlives any connection
/// and carries a token a venue can check.
/// </summary>
public sealed class PostgreSqlLeaseCoordinator : ILeaseCoordinator
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;

    private PostgreSqlLeaseCoordinator(NpgsqlDataSource dataSource, bool ownsDataSource)
    {
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
    }

    /// <summary>Connects with <paramref name="connectionString"/> and creates the lease table when missing.</summary>
    public static async Task<PostgreSqlLeaseCoordinator> OpenAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var dataSource = await PostgreSqlSchema.OpenAsync(PostgreSqlConnections.ForCoordination(connectionString), cancellationToken).ConfigureAwait(false);
        var coordinator = new PostgreSqlLeaseCoordinator(dataSource, ownsDataSource: true);
        try
        {
            await coordinator.WarmUpAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await coordinator.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return coordinator;
    }

    /// <summary>
    /// Runs a real grant once, in a transaction it rolls back, before the elector's first. In a process that just
    /// started, the first grant that wins otherwise pays for compiling its whole path (parameters, the returned row,
    /// the driver's type handlers): seen at 0.6 to 0.8 s on a shared 2-core machine, past the lease less its margin
    /// (counted from the send), so that term ended unused and the failover took a lease longer.
    /// </summary>
    private async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                // A group of its own (rolled back, never seen), so replicas starting together never wait on each other's row.
                var group = "\u0001warm-up-" + Guid.NewGuid().ToString("N");
                using var command = GrantCommand(group, "warm-up", TimeSpan.FromSeconds(1), connection, transaction);
                _ = await ReadGrantAsync(command, group, "warm-up", TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<Lease?> TryAcquireAsync(string group, string holder, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(group);
        ArgumentException.ThrowIfNullOrWhiteSpace(holder);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        using var command = GrantCommand(group, holder, ttl);
        return await ReadGrantAsync(command, group, holder, ttl, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The grant. The conflict path locks the row and re-checks the WHERE on its newest version, so of two replicas
    /// racing for an expired lease exactly one gets a row back. A standing hand-over reserves the term for its target.
    /// The SET clause reads the old row (l.*), so the previous term is kept beside the new one.
    /// </summary>
    private NpgsqlCommand GrantCommand(string group, string holder, TimeSpan ttl, NpgsqlConnection? connection = null, NpgsqlTransaction? transaction = null)
    {
        const string Grant = """
            INSERT INTO bulwark_leases AS l (group_name, holder, epoch, expires_at, renewed_at)
            VALUES ($1, $2, 1, clock_timestamp() + $3, clock_timestamp())
            ON CONFLICT (group_name) DO UPDATE
              SET holder = excluded.holder, epoch = l.epoch + 1, expires_at = clock_timestamp() + $3,
                  renewed_at = clock_timestamp(),
                  previous_holder = CASE WHEN l.epoch > 0 THEN l.holder END,
                  previous_renewed_at = CASE WHEN l.epoch > 0 THEN l.renewed_at END,
                  previous_released = (l.expires_at = '-infinity'),
                  by_handover = COALESCE(l.handover_to = excluded.holder AND l.handover_until > clock_timestamp(), false),
                  handover_to = NULL, handover_until = NULL
              WHERE l.expires_at <= clock_timestamp()
                AND (l.handover_to IS NULL OR l.handover_to = excluded.holder OR l.handover_until <= clock_timestamp())
            RETURNING epoch, previous_holder, previous_renewed_at, by_handover, previous_released;
            """;
        var command = connection is null ? _dataSource.CreateCommand(Grant) : new NpgsqlCommand(Grant, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = group });
        command.Parameters.Add(new NpgsqlParameter { Value = holder });
        command.Parameters.Add(new NpgsqlParameter { Value = ttl });
        return command;
    }

    private static async Task<Lease?> ReadGrantAsync(NpgsqlCommand command, string group, string holder, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            var epoch = reader.GetInt64(0);
            return new Lease(group, holder, new FencingToken(epoch), ttl)
            {
                Previous = reader.IsDBNull(1) ? null : new PreviousTerm(reader.GetString(1), new FencingToken(epoch - 1), Time(reader, 2)) { Released = reader.GetBoolean(4) },
                ByHandover = reader.GetBoolean(3),
            };
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> RenewAsync(Lease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);

        // Only this term, only while still valid (an expired lease is not revived, even if nobody took it), and not
        // while a switchover hands the group to another replica (the leader resigns first).
        using var command = _dataSource.CreateCommand("""
            UPDATE bulwark_leases SET expires_at = clock_timestamp() + $4, renewed_at = clock_timestamp()
            WHERE group_name = $1 AND holder = $2 AND epoch = $3 AND expires_at > clock_timestamp()
              AND (handover_to IS NULL OR handover_to = $2 OR handover_until <= clock_timestamp());
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = lease.Group });
        command.Parameters.Add(new NpgsqlParameter { Value = lease.Holder });
        command.Parameters.Add(new NpgsqlParameter { Value = lease.Token.Value });
        command.Parameters.Add(new NpgsqlParameter { Value = lease.Ttl });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async ValueTask ReleaseAsync(Lease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        using var command = _dataSource.CreateCommand("""
            UPDATE bulwark_leases SET expires_at = '-infinity'
            WHERE group_name = $1 AND holder = $2 AND epoch = $3;
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = lease.Group });
        command.Parameters.Add(new NpgsqlParameter { Value = lease.Holder });
        command.Parameters.Add(new NpgsqlParameter { Value = lease.Token.Value });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<LeaseRecord?> ReadAsync(string group, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(group);
        using var command = _dataSource.CreateCommand("""
            SELECT holder, epoch, renewed_at, expires_at,
                   CASE WHEN handover_until > clock_timestamp() THEN handover_to END,
                   CASE WHEN handover_until > clock_timestamp() THEN handover_until END
            FROM bulwark_leases WHERE group_name = $1;
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = group });
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            return new LeaseRecord(group, reader.GetString(0), new FencingToken(reader.GetInt64(1)), Time(reader, 2), Time(reader, 3))
            {
                HandoverTo = reader.IsDBNull(4) ? null : reader.GetString(4),
                HandoverUntil = reader.IsDBNull(5) ? null : Time(reader, 5),
            };
        }
    }

    /// <inheritdoc />
    public async ValueTask RequestHandoverAsync(string group, string target, TimeSpan window, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(group);
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);

        // A group that never had a leader gets an expired row (epoch 0), so the reservation has somewhere to live.
        using var command = _dataSource.CreateCommand("""
            INSERT INTO bulwark_leases AS l (group_name, holder, epoch, expires_at, handover_to, handover_until)
            VALUES ($1, '', 0, '-infinity', $2, clock_timestamp() + $3)
            ON CONFLICT (group_name) DO UPDATE SET handover_to = excluded.handover_to, handover_until = excluded.handover_until;
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = group });
        command.Parameters.Add(new NpgsqlParameter { Value = target });
        command.Parameters.Add(new NpgsqlParameter { Value = window });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A timestamptz, where <c>-infinity</c> (a released or never-held lease) reads as the earliest time.</summary>
    private static DateTimeOffset Time(NpgsqlDataReader reader, int ordinal)
    {
        var value = reader.GetFieldValue<DateTime>(ordinal);
        return value == DateTime.MinValue ? DateTimeOffset.MinValue : new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }
}
