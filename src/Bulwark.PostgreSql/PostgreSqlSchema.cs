using Npgsql;

namespace Bulwark.PostgreSql;

/// <summary>The tables Bulwark keeps in PostgreSQL, created idempotently (several processes may start at once).</summary>
internal static class PostgreSqlSchema
{
    // One advisory lock around the DDL: CREATE ... IF NOT EXISTS alone races between two first starts.
    private const long MigrationLock = 0x42756c7761726b; // "Bulwark"

    public const long AppendLock = 0x42756c7761726c;

    /// <summary>A data source whose database has Bulwark's tables (created when missing); disposed again when that fails.</summary>
    public static async Task<NpgsqlDataSource> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var dataSource = NpgsqlDataSource.Create(connectionString);
        try
        {
            await EnsureAsync(dataSource, cancellationToken).ConfigureAwait(false);
            return dataSource;
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private const string Ddl = """
        CREATE TABLE IF NOT EXISTS bulwark_kill_switches (
          scope     text PRIMARY KEY,
          engaged   boolean NOT NULL,
          who       text NOT NULL,
          reason    text NOT NULL,
          revision  bigint NOT NULL
        );
        CREATE SEQUENCE IF NOT EXISTS bulwark_kill_switch_revisions;
        CREATE TABLE IF NOT EXISTS bulwark_leases (
          group_name  text PRIMARY KEY,
          holder      text NOT NULL,
          epoch       bigint NOT NULL,
          expires_at  timestamptz NOT NULL
        );
        ALTER TABLE bulwark_leases ADD COLUMN IF NOT EXISTS renewed_at timestamptz NOT NULL DEFAULT '-infinity';
        ALTER TABLE bulwark_leases ADD COLUMN IF NOT EXISTS handover_to text;
        ALTER TABLE bulwark_leases ADD COLUMN IF NOT EXISTS handover_until timestamptz;
        ALTER TABLE bulwark_leases ADD COLUMN IF NOT EXISTS previous_holder text;
        ALTER TABLE bulwark_leases ADD COLUMN IF NOT EXISTS previous_renewed_at timestamptz;
        ALTER TABLE bulwark_leases ADD COLUMN IF NOT EXISTS by_handover boolean NOT NULL DEFAULT false;
        ALTER TABLE bulwark_leases ADD COLUMN IF NOT EXISTS previous_released boolean NOT NULL DEFAULT false;
        CREATE TABLE IF NOT EXISTS bulwark_events (
          seq         bigint PRIMARY KEY,
          time_ticks  bigint NOT NULL,
          kind        text NOT NULL,
          subject     text NOT NULL,
          from_state  text,
          to_state    text,
          cause       text,
          actor       text,
          evidence    text
        );
        CREATE INDEX IF NOT EXISTS bulwark_events_time ON bulwark_events (time_ticks);
        CREATE INDEX IF NOT EXISTS bulwark_events_subject ON bulwark_events (subject, seq);
        CREATE OR REPLACE FUNCTION bulwark_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN RAISE EXCEPTION 'events are append-only'; END $$;
        DROP TRIGGER IF EXISTS bulwark_events_append_only ON bulwark_events;
        CREATE TRIGGER bulwark_events_append_only BEFORE UPDATE OR DELETE ON bulwark_events
          FOR EACH ROW EXECUTE FUNCTION bulwark_events_append_only();
        DROP TRIGGER IF EXISTS bulwark_events_no_truncate ON bulwark_events;
        CREATE TRIGGER bulwark_events_no_truncate BEFORE TRUNCATE ON bulwark_events
          FOR EACH STATEMENT EXECUTE FUNCTION bulwark_events_append_only();
        CREATE TABLE IF NOT EXISTS bulwark_trading_journal_fence (
          id        integer PRIMARY KEY CHECK (id = 1),
          highest   bigint NOT NULL,
          last_seq  bigint NOT NULL
        );
        INSERT INTO bulwark_trading_journal_fence (id, highest, last_seq) VALUES (1, 0, 0) ON CONFLICT (id) DO NOTHING;
        CREATE TABLE IF NOT EXISTS bulwark_trading_journal (
          seq         bigint PRIMARY KEY,
          token       bigint NOT NULL,
          writer      text NOT NULL,
          kind        integer NOT NULL,
          time_ticks  bigint NOT NULL,
          order_id    bigint NOT NULL,
          exec_id     bigint NOT NULL,
          account     text,
          strategy    text,
          symbol      text,
          side        integer NOT NULL,
          quantity    bigint NOT NULL,
          price       double precision NOT NULL,
          scope       text,
          source      text,
          state       integer NOT NULL,
          actor       text,
          cause       text
        );
        -- Locked in the order an append takes them (fence row, then journal rows) before any trigger is dropped or
        -- created, which needs the table to itself: in the other order a migration and a running append deadlock.
        LOCK TABLE bulwark_trading_journal_fence, bulwark_trading_journal IN ACCESS EXCLUSIVE MODE;
        CREATE OR REPLACE FUNCTION bulwark_trading_journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN RAISE EXCEPTION 'the trading journal is append-only'; END $$;
        DROP TRIGGER IF EXISTS bulwark_trading_journal_append_only ON bulwark_trading_journal;
        CREATE TRIGGER bulwark_trading_journal_append_only BEFORE UPDATE OR DELETE ON bulwark_trading_journal
          FOR EACH ROW EXECUTE FUNCTION bulwark_trading_journal_append_only();
        DROP TRIGGER IF EXISTS bulwark_trading_journal_no_truncate ON bulwark_trading_journal;
        CREATE TRIGGER bulwark_trading_journal_no_truncate BEFORE TRUNCATE ON bulwark_trading_journal
          FOR EACH STATEMENT EXECUTE FUNCTION bulwark_trading_journal_append_only();
        DROP TRIGGER IF EXISTS bulwark_trading_journal_fence_no_delete ON bulwark_trading_journal_fence;
        CREATE TRIGGER bulwark_trading_journal_fence_no_delete BEFORE DELETE OR TRUNCATE ON bulwark_trading_journal_fence
          FOR EACH STATEMENT EXECUTE FUNCTION bulwark_trading_journal_append_only();
        CREATE OR REPLACE FUNCTION bulwark_trading_journal_fence_up_only() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF NEW.highest < OLD.highest OR NEW.last_seq < OLD.last_seq THEN
              RAISE EXCEPTION 'the trading journal fence only moves up';
            END IF;
            RETURN NEW;
          END $$;
        DROP TRIGGER IF EXISTS bulwark_trading_journal_fence_up_only ON bulwark_trading_journal_fence;
        CREATE TRIGGER bulwark_trading_journal_fence_up_only BEFORE UPDATE ON bulwark_trading_journal_fence
          FOR EACH ROW EXECUTE FUNCTION bulwark_trading_journal_fence_up_only();
        CREATE TABLE IF NOT EXISTS bulwark_schema (
          id      integer PRIMARY KEY CHECK (id = 1),
          digest  text NOT NULL
        );
        """;

    // The DDL's own SHA-256: a database whose recorded digest equals it has these tables and triggers exactly, and an
    // open does not run the DDL again (no edit to the DDL can forget to bump a version number).
    private static readonly string Digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Ddl)));

    public static async Task EnsureAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({MigrationLock});", connection, transaction))
                {
                    await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                // A database already at this DDL is left untouched. Running it on every open would take each table to
                // itself (DROP TRIGGER) while the installation trades on it: an open waited on every append in progress,
                // and deadlocked with one (seen in CI: a restarted leader's open against the running leader's append).
                using (var current = new NpgsqlCommand("SELECT to_regclass('bulwark_schema') IS NOT NULL;", connection, transaction))
                {
                    if ((bool)(await current.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
                    {
                        using var digest = new NpgsqlCommand("SELECT digest FROM bulwark_schema WHERE id = 1;", connection, transaction);
                        if (await digest.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string recorded && recorded == Digest)
                        {
                            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                            return;
                        }
                    }
                }

                using (var ddl = new NpgsqlCommand(Ddl, connection, transaction))
                {
                    await ddl.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                using (var record = new NpgsqlCommand(
                    "INSERT INTO bulwark_schema (id, digest) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET digest = EXCLUDED.digest;", connection, transaction))
                {
                    record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Digest });
                    await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}

/// <summary>Connection settings Bulwark needs whatever the user's string says.</summary>
internal static class PostgreSqlConnections
{
    /// <summary>
    /// Short timeouts: a coordinator that cannot answer within a fraction of a lease is as good as unreachable,
    /// and the elector must hear so quickly (fail closed) rather than wait the driver's default 30 s.
    /// </summary>
    public static string ForCoordination(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.Timeout > 2)
        {
            builder.Timeout = 2;
        }

        if (builder.CommandTimeout > 2)
        {
            builder.CommandTimeout = 2;
        }

        return builder.ConnectionString;
    }
}
