namespace Bulwark.Trading;

/// <summary>Buy or sell.</summary>
public enum OrderSide : byte
{
    /// <summary>Increases the position.</summary>
    Buy = 0,

    /// <summary>Decreases the position.</summary>
    Sell = 1,
}

/// <summary>What the engine wants to send.</summary>
public enum OrderAction : byte
{
    /// <summary>A new order.</summary>
    New = 0,

    /// <summary>
    /// A cancel-replace, checked as a new order under its own client order id; the replaced order keeps
    /// its reservation until its cancel (or fill) is reported, so the worst case is always counted.
    /// </summary>
    Replace = 1,

    /// <summary>A cancel: never blocked by the kill switch or trading state, counted against its own, larger budget.</summary>
    Cancel = 2,
}

/// <summary>Whether the order carries a limit price.</summary>
public enum OrderType : byte
{
    /// <summary>Carries a limit price, which must be finite, positive, on tick and inside the collar.</summary>
    Limit = 0,

    /// <summary>No price: notional is valued at the reference price, which must be present and fresh.</summary>
    Market = 1,
}

/// <summary>
/// One order to check. Ids are the dense numbers interned at setup (<see cref="RiskGate.GetAccountId"/>,
/// <see cref="RiskGate.GetStrategyId"/>, <see cref="RiskGate.GetSymbolId"/>), so the check never hashes a string.
/// </summary>
public readonly struct OrderRequest
{
    /// <summary>Creates an order request.</summary>
    public OrderRequest(
        long clientOrderId,
        int account,
        int strategy,
        int symbol,
        OrderSide side,
        long quantity,
        double price,
        OrderType type = OrderType.Limit,
        OrderAction action = OrderAction.New)
    {
        ClientOrderId = clientOrderId;
        Account = account;
        Strategy = strategy;
        Symbol = symbol;
        Side = side;
        Quantity = quantity;
        Price = price;
        Type = type;
        Action = action;
    }

    /// <summary>The engine's id for the order, unique for the life of the gate; must be positive.</summary>
    public long ClientOrderId { get; }

    /// <summary>Interned account id.</summary>
    public int Account { get; }

    /// <summary>Interned strategy id.</summary>
    public int Strategy { get; }

    /// <summary>Interned symbol id.</summary>
    public int Symbol { get; }

    /// <summary>Buy or sell.</summary>
    public OrderSide Side { get; }

    /// <summary>Quantity in units of the instrument (a whole number of lots).</summary>
    public long Quantity { get; }

    /// <summary>Limit price (ignored for market orders).</summary>
    public double Price { get; }

    /// <summary>Limit or market.</summary>
    public OrderType Type { get; }

    /// <summary>New, replace or cancel.</summary>
    public OrderAction Action { get; }

    /// <summary>A cancel request for an order (only the ids matter).</summary>
    public static OrderRequest Cancel(long clientOrderId, int account, int strategy, int symbol) =>
        new(clientOrderId, account, strategy, symbol, OrderSide.Buy, 0, 0, OrderType.Limit, OrderAction.Cancel);
}
