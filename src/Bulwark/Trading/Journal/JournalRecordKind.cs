namespace Bulwark.Trading.Journal;

/// <summary>What one journal row records. Stable numbers (they are stored): new kinds are only added at the end.</summary>
public enum JournalRecordKind
{
    /// <summary>Not a record.</summary>
    None = 0,

    /// <summary>A leader's first row of its term: once written, no row of an older term can be (the fence).</summary>
    TermStarted = 1,

    /// <summary>An order the gate accepted and the engine sends (new order or replace).</summary>
    Accepted = 2,

    /// <summary>The venue acknowledged an order.</summary>
    Ack = 3,

    /// <summary>A fill (partial or full), with its execution id, quantity and price.</summary>
    Fill = 4,

    /// <summary>An order was cancelled.</summary>
    Cancel = 5,

    /// <summary>The venue rejected an order (or a venue error ended it).</summary>
    Reject = 6,

    /// <summary>One source of a scope's trading state changed: manual halts and states, loss limits, breakers, disables.</summary>
    State = 7,

    /// <summary>Limits changed at runtime (audit: who and why).</summary>
    Limits = 8,

    /// <summary>A session started: an account's equity baseline (account empty: the firm's).</summary>
    SessionStart = 9,

    /// <summary>A position set from a broker's drop copy (<c>RiskGate.Reconcile</c>).</summary>
    Reconciled = 10,
}
