using System.Data.Common;

namespace Bulwark.Trading.Journal;

/// <summary>The journal's columns and how a row of them reads back, shared by every store (SQLite, PostgreSQL).</summary>
internal static class JournalRows
{
    /// <summary>Every column in the order <see cref="Read"/> expects.</summary>
    public const string Columns =
        "seq, token, writer, kind, time_ticks, order_id, exec_id, account, strategy, symbol, side, quantity, price, scope, source, state, actor, cause";

    /// <summary>The record of the reader's current row, selected as <see cref="Columns"/>.</summary>
    public static JournalRecord Read(DbDataReader reader) => new()
    {
        Sequence = reader.GetInt64(0),
        Token = reader.GetInt64(1),
        Writer = reader.GetString(2),
        Kind = (JournalRecordKind)reader.GetInt32(3),
        Time = new DateTimeOffset(reader.GetInt64(4), TimeSpan.Zero),
        OrderId = reader.GetInt64(5),
        ExecutionId = reader.GetInt64(6),
        Account = Text(reader, 7),
        Strategy = Text(reader, 8),
        Symbol = Text(reader, 9),
        Side = (OrderSide)reader.GetInt32(10),
        Quantity = reader.GetInt64(11),
        Price = reader.GetDouble(12),
        Scope = Text(reader, 13),
        Source = Text(reader, 14),
        State = reader.GetInt32(15),
        Actor = Text(reader, 16),
        Cause = Text(reader, 17),
    };

    private static string? Text(DbDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
}
