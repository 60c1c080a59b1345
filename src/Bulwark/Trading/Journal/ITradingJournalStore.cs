namespace Bulwark.Trading.Journal;

/// <summary>
/// Where the trading journal lives: append-only, and fenced by the store itself. Every append is one transaction in which
/// a row whose token is older than the newest token the store holds is refused (not written); the rest are written in
/// order. SQLite is the embedded default (<see cref="SqliteTradingJournalStore"/>); PostgreSQL serves several machines.
/// </summary>
public interface ITradingJournalStore : IAsyncDisposable
{
    /// <summary>Appends a batch in one transaction, refusing every row of a term older than the newest; durable when it returns.</summary>
    ValueTask<JournalAppendResult> AppendAsync(IReadOnlyList<JournalRecord> records, CancellationToken cancellationToken = default);

    /// <summary>Rows after <paramref name="afterSequence"/> in sequence order, at most <paramref name="limit"/>.</summary>
    ValueTask<IReadOnlyList<JournalRecord>> ReadAsync(long afterSequence, int limit, CancellationToken cancellationToken = default);
}

/// <summary>What an append did: how many rows were written, which were refused as stale, and the newest token after it.</summary>
/// <param name="Written">Rows written.</param>
/// <param name="Refused">Rows refused because a newer term's token was already in the store (their positions in the batch).</param>
/// <param name="HighestToken">The newest token the store holds after the append.</param>
/// <param name="LastSequence">The sequence number of the last row written (0 when none was).</param>
public sealed record JournalAppendResult(int Written, IReadOnlyList<int> Refused, long HighestToken, long LastSequence);
