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
        var dataSource = NpgsqlDataSource.Create(PostgreSqlConnections.ForCoordination(connectionString));
        try
        {
            await PostgreSqlSchema.EnsureAsync(dataSource, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new PostgreSqlLeaseCoordinator(dataSource, ownsDataSource: true);
    }

    /// <inheritdoc />
    public async ValueTask<Lease?> TryAcquireAsync(string group, string holder, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(group);
        ArgumentException.ThrowIfNullOrWhiteSpace(holder);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);

        // The conflict path locks the row and re-checks the WHERE on its newest version, so of two replicas racing
        // for an expired lease exactly one gets a row back.
        using var command = _dataSource.CreateCommand("""
            INSERT INTO bulwark_leases AS l (group_name, holder, epoch, expires_at)
            VALUES ($1, $2, 1, clock_timestamp() + $3)
            ON CONFLICT (group_name) DO UPDATE
              SET holder = excluded.holder, epoch = l.epoch + 1, expires_at = clock_timestamp() + $3
              WHERE l.expires_at <= clock_timestamp()
            RETURNING epoch;
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = group });
        command.Parameters.Add(new NpgsqlParameter { Value = holder });
        command.Parameters.Add(new NpgsqlParameter { Value = ttl });
        var epoch = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return epoch is long value ? new Lease(group, holder, new FencingToken(value), ttl) : null;
    }

    /// <inheritdoc />
    public async ValueTask<bool> RenewAsync(Lease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);

        // Only this term, and only while still valid: an expired lease is not revived, even if nobody took it.
        using var command = _dataSource.CreateCommand("""
            UPDATE bulwark_leases SET expires_at = clock_timestamp() + $4
            WHERE group_name = $1 AND holder = $2 AND epoch = $3 AND expires_at > clock_timestamp();
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
    public async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }
}
