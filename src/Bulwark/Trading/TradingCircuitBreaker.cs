using System.Globalization;

namespace Bulwark.Trading;

/// <summary>State of a trading circuit breaker.</summary>
public enum CircuitBreakerState
{
    /// <summary>Trading as usual.</summary>
    Closed = 0,

    /// <summary>Tripped: trading is Reducing or Halted by policy until the cool-down ends.</summary>
    Open = 1,

    /// <summary>Cool-down over: trading allowed again; enough acks close it, one reject or error reopens it.</summary>
    HalfOpen = 2,
}

/// <summary>
/// The firm-wide trading circuit breaker: reject rate, consecutive venue errors and loss velocity. Runs off
/// the order path under the gate's lock; while open it holds the firm's circuit-breaker source at the policy
/// state, which the order path reads in the firm's control word. Every transition is an event.
/// </summary>
internal sealed class TradingCircuitBreaker(RiskGate gate)
{
    private readonly Queue<(long Time, double Equity)> _equity = new();
    private long _windowStart = long.MinValue;
    private int _acks;
    private int _rejects;
    private int _consecutiveErrors;
    private long _openedAt;
    private int _halfOpenAcks;

    public CircuitBreakerState State { get; private set; }

    private TradingCircuitBreakerOptions Options => gate.Limits.Options.CircuitBreaker;

    private bool Enabled => (gate.Limits.Enabled & RiskChecks.CircuitBreakers) != 0;

    public void OnAck(long now)
    {
        if (!Enabled)
        {
            return;
        }

        Roll(now);
        _acks++;
        _consecutiveErrors = 0;
        if (State == CircuitBreakerState.HalfOpen && ++_halfOpenAcks >= Options.HalfOpenAcksToClose)
        {
            Move(CircuitBreakerState.Closed, now, FormattableString.Invariant($"{_halfOpenAcks} acks in half-open"));
        }
    }

    public void OnReject(long now, bool venueError)
    {
        if (!Enabled)
        {
            return;
        }

        Roll(now);
        _rejects++;
        if (venueError)
        {
            _consecutiveErrors++;
        }

        if (State == CircuitBreakerState.HalfOpen)
        {
            Move(CircuitBreakerState.Open, now, venueError ? "venue error in half-open" : "reject in half-open");
            return;
        }

        if (State == CircuitBreakerState.Closed)
        {
            var options = Options;
            if (_consecutiveErrors >= options.ConsecutiveVenueErrors)
            {
                Move(CircuitBreakerState.Open, now, FormattableString.Invariant($"{_consecutiveErrors} consecutive venue errors (limit {options.ConsecutiveVenueErrors})"));
            }
            else if (RejectRateExceeded(out var cause))
            {
                Move(CircuitBreakerState.Open, now, cause);
            }
        }
    }

    public void Evaluate(long now, double firmEquity, bool enabled)
    {
        if (!enabled)
        {
            if (State != CircuitBreakerState.Closed)
            {
                Move(CircuitBreakerState.Closed, now, "circuit breakers disabled");
            }

            return;
        }

        var options = Options;
        Roll(now);
        var window = Ticks(options.SamplingWindow);

        // NaN: the firm's equity is not known now (a mark is missing); loss velocity waits for a known one.
        if (double.IsFinite(firmEquity))
        {
            _equity.Enqueue((now, firmEquity));
        }

        while (_equity.Count > 0 && now - _equity.Peek().Time > window)
        {
            _equity.Dequeue();
        }

        if (State == CircuitBreakerState.Open && now - _openedAt >= Ticks(options.BreakDuration))
        {
            Move(CircuitBreakerState.HalfOpen, now, "cool-down over");
            return;
        }

        if (State != CircuitBreakerState.Closed)
        {
            return;
        }

        if (RejectRateExceeded(out var cause))
        {
            Move(CircuitBreakerState.Open, now, cause);
            return;
        }

        if (options.LossVelocity is { } velocity && _equity.Count > 0 && double.IsFinite(firmEquity))
        {
            var peak = _equity.Max(e => e.Equity);
            if (peak - firmEquity > velocity)
            {
                Move(CircuitBreakerState.Open, now, FormattableString.Invariant(
                    $"loss of {peak - firmEquity} within {options.SamplingWindow.TotalSeconds} s (limit {velocity})"));
            }
        }
    }

    private bool RejectRateExceeded(out string cause)
    {
        var options = Options;
        var total = _acks + _rejects;
        var rate = total == 0 ? 0 : (double)_rejects / total;
        cause = string.Create(CultureInfo.InvariantCulture, $"reject rate {rate:0.###} over {total} reports (limit {options.RejectRateThreshold})");
        return total >= options.MinimumThroughput && rate >= options.RejectRateThreshold;
    }

    private void Roll(long now)
    {
        if (now - _windowStart >= Ticks(Options.SamplingWindow) || _windowStart == long.MinValue)
        {
            _windowStart = now;
            _acks = 0;
            _rejects = 0;
        }
    }

    /// <summary>Rebuilt from the journal: open again from now (its break starts over), or closed. The caller sets the gate's source.</summary>
    public void Restore(bool open, long now)
    {
        State = open ? CircuitBreakerState.Open : CircuitBreakerState.Closed;
        _openedAt = now;
        _acks = _rejects = _consecutiveErrors = _halfOpenAcks = 0;
    }

    private void Move(CircuitBreakerState to, long now, string cause)
    {
        var from = State;
        State = to;
        if (to == CircuitBreakerState.Open)
        {
            _openedAt = now;
            _acks = 0;
            _rejects = 0;
            _consecutiveErrors = 0;
        }

        _halfOpenAcks = 0;
        var bits = to == CircuitBreakerState.Open ? RiskGate.StateBits(Options.OpenState) : 0;
        gate.SetSource(0, RiskGate.CircuitBreakerSource, bits, "bulwark", "circuit breaker " + to);
        gate.Publish(gate.NewEvent(TradingEventKinds.CircuitBreaker, "firm", cause, "bulwark") with
        {
            From = from.ToString(),
            To = to.ToString(),
        });
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * gate.Time.TimestampFrequency);
}
