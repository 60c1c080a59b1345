namespace Bulwark.Trading.Journal;

/// <summary>A row waiting in the journal's queue: the gate's dense ids, turned into names by the writer, off the order path.</summary>
internal struct JournalEntry
{
    public JournalRecordKind Kind;
    public long Token;
    public long Time;
    public long OrderId;
    public long ExecutionId;
    public int Account;
    public int Strategy;
    public int Symbol;
    public OrderSide Side;
    public OrderAction Action;
    public long Quantity;
    public double Price;
    public int ScopeIndex;
    public int Source;
    public int State;
    public string? Actor;
    public string? Cause;
}
