using Bulwark.Trading.Journal;

namespace PaperTrader;

/// <summary>
/// A journal store whose first read (the rebuild's, which starts once the gate is attached and held) completes
/// <paramref name="started"/> and then waits, at most 5 s, until <paramref name="released"/> completes: the engine's
/// command file has had its waiting commands checked by then, so orders that arrive while the engine rebuilds are really
/// checked during the rebuild. Everything else passes through.
/// </summary>
internal sealed class RebuildProbe(ITradingJournalStore inner, TaskCompletionSource started, Task released) : ITradingJournalStore
{
    private int _reads;

    public ValueTask<JournalAppendResult> AppendAsync(IReadOnlyList<JournalRecord> records, CancellationToken cancellationToken = default) =>
        inner.AppendAsync(records, cancellationToken);

    public async ValueTask<IReadOnlyList<JournalRecord>> ReadAsync(long afterSequence, int limit, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Increment(ref _reads) == 1)
        {
            Console.Out.WriteLine("rebuilding");
            started.TrySetResult();
            await Task.WhenAny(released, Task.Delay(TimeSpan.FromSeconds(5), cancellationToken));
        }

        return await inner.ReadAsync(afterSequence, limit, cancellationToken);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
