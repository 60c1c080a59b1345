using Npgsql;

namespace Bulwark.PostgreSql;

/// <summary>
/// The event log in PostgreSQL, so the machines of one installation keep one shared history. It behaves as the
/// embedded SQLite store does: append-only (triggers refuse UPDATE, DELETE and TRUNCATE), one gapless sequence,
/// and the same query filters. Appends take a transaction-scoped advisory lock and number the event max + 1 inside
/// it, so sequence order is commit order: a reader paging forward by sequence never skips an event that commits
/// later with a smaller number (a plain sequence or identity column would allow that).
/// </summary>
public sealed class PostgreSqlEventStore : IEventStore
{
    private readonly NpgsqlDataSource _dataSource;

    private PostgreSqlEventStore(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    /// <summary>Connects with <paramref name="connectionString"/> and creates the tables when missing.</summary>
    public static async Task<PostgreSqlEventStore> OpenAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var dataSource = await PostgreSqlSchema.OpenAsync(connectionString, cancellationToken).ConfigureAwait(false);

        return new PostgreSqlEventStore(dataSource);
    }

    /// <inheritdoc />
    public async ValueTask<long> AppendAsync(SafetyEvent safetyEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(safetyEvent);
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({PostgreSqlSchema.AppendLock});", connection, transaction))
                {
                    await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                using var insert = new NpgsqlCommand("""
                    INSERT INTO bulwark_events (seq, time_ticks, kind, subject, from_state, to_state, cause, actor, evidence)
                    SELECT coalesce(max(seq), 0) + 1, $1, $2, $3, $4, $5, $6, $7, $8 FROM bulwark_events
                    RETURNING seq;
                    """, connection, transaction);
                insert.Parameters.Add(new NpgsqlParameter { Value = safetyEvent.Time.UtcTicks });
                insert.Parameters.Add(new NpgsqlParameter { Value = safetyEvent.Kind });
                insert.Parameters.Add(new NpgsqlParameter { Value = safetyEvent.Subject });
                insert.Parameters.Add(Text(safetyEvent.From));
                insert.Parameters.Add(Text(safetyEvent.To));
                insert.Parameters.Add(Text(safetyEvent.Cause));
                insert.Parameters.Add(Text(safetyEvent.Actor));
                insert.Parameters.Add(Text(safetyEvent.Evidence));
                var sequence = (long)(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return sequence;
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<SafetyEvent>> ReadAsync(EventQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        using var command = _dataSource.CreateCommand();
        var where = new List<string>();
        if (query.Since is { } since)
        {
            where.Add(Parameter(command, since.UtcTicks, "time_ticks >= {0}"));
        }

        if (query.AfterSequence is { } after)
        {
            where.Add(Parameter(command, after, "seq > {0}"));
        }

        if (!string.IsNullOrEmpty(query.KindPrefix))
        {
            // left(), not LIKE: a prefix with '_' or '%' means those characters.
            where.Add(Parameter(command, query.KindPrefix, "left(kind, length({0})) = {0}"));
        }

        if (!string.IsNullOrEmpty(query.Subject))
        {
            where.Add(Parameter(command, query.Subject, "subject = {0}"));
        }

        var filter = where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where);
        var limit = Parameter(command, (long)Math.Max(0, query.Limit), "{0}");
        command.CommandText = $"""
            SELECT seq, time_ticks, kind, subject, from_state, to_state, cause, actor, evidence FROM (
              SELECT * FROM bulwark_events {filter} ORDER BY seq {(query.FromOldest ? "ASC" : "DESC")} LIMIT {limit}
            ) newest ORDER BY seq;
            """;

        var events = new List<SafetyEvent>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                events.Add(new SafetyEvent
                {
                    Sequence = reader.GetInt64(0),
                    Time = new DateTimeOffset(reader.GetInt64(1), TimeSpan.Zero),
                    Kind = reader.GetString(2),
                    Subject = reader.GetString(3),
                    From = reader.IsDBNull(4) ? null : reader.GetString(4),
                    To = reader.IsDBNull(5) ? null : reader.GetString(5),
                    Cause = reader.IsDBNull(6) ? null : reader.GetString(6),
                    Actor = reader.IsDBNull(7) ? null : reader.GetString(7),
                    Evidence = reader.IsDBNull(8) ? null : reader.GetString(8),
                });
            }
        }

        return events;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private static NpgsqlParameter Text(string? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text };

    private static string Parameter(NpgsqlCommand command, object value, string format)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = value });
        return string.Format(System.Globalization.CultureInfo.InvariantCulture, format, "$" + command.Parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
