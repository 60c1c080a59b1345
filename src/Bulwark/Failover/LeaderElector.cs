namespace Bulwark.Failover;

/// <summary>Timing of a <see cref="LeaderElector"/>.</summary>
public sealed class LeaderElectorOptions
{
    /// <summary>Lease length. Default 2 s.</summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often a leader renews. Default 500 ms (a quarter of the lease).</summary>
    public TimeSpan RenewInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often a follower tries to acquire. Default 250 ms.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Leadership ends this long before the lease would, by the elector's own monotonic clock, measured from the
    /// moment the acquire or renew was sent (not answered). Covers clock drift and the time a message takes.
    /// Default 500 ms.
    /// </summary>
    public TimeSpan SafetyMargin { get; set; } = TimeSpan.FromMilliseconds(500);
}

/// <summary>A change of leadership: gained (with the term's token) or lost (with why).</summary>
public sealed record LeadershipChange(bool IsLeader, FencingToken? Token, string Reason)
{
    /// <summary>The term gained (with the term it followed) or lost.</summary>
    public Lease? Lease { get; init; }

    /// <summary>When the change took effect, by the elector's wall clock.</summary>
    public DateTimeOffset At { get; init; }

    /// <summary>For a gain: when the acquire that won was sent (the failover's start), by the elector's wall clock.</summary>
    public DateTimeOffset? RequestedAt { get; init; }

    /// <summary>For a gain: the term's token and deadline, which the elector keeps moving while it renews (for a bound gate).</summary>
    internal LeadershipTerm? Term { get; init; }
}

/// <summary>
/// Safe leadership for one replica of a failover group. It is leader only while its lease is valid by its own
/// monotonic clock, less a safety margin, counted from when each acquire or renew was sent. It stops at that
/// deadline even when its own loop is paused (a GC pause, SIGSTOP): <see cref="IsLeader"/> reads the clock, and
/// <see cref="LeadershipToken"/> is cancelled by a timer. A coordinator that cannot be reached, or a renew
/// refused, ends leadership at once (fail closed). Orders carry <see cref="Token"/> so that a downstream can
/// refuse a deposed leader's late ones.
/// </summary>
public sealed class LeaderElector : IAsyncDisposable
{
    private readonly ILeaseCoordinator _coordinator;
    private readonly string _group;
    private readonly string _holder;
    private readonly LeaderElectorOptions _options;
    private readonly TimeProvider _time;
    private readonly object _gate = new(); // a monitor, which the Coyote tests control (System.Threading.Lock they cannot)
    private Term? _term;
    private long _answeredAt; // timestamp of the coordinator's last answer (0: never)
    private string? _lastFailure; // why the last request to the coordinator failed, null when it answered
    private CancellationTokenSource? _stopping;
    private Task? _loop;

    /// <summary>Creates the elector; <see cref="StartAsync"/> starts competing for the lease.</summary>
    public LeaderElector(ILeaseCoordinator coordinator, string group, string holder, LeaderElectorOptions? options = null, TimeProvider? timeProvider = null)
    {
        _coordinator = coordinator ?? throw new ArgumentNullException(nameof(coordinator));
        ArgumentException.ThrowIfNullOrWhiteSpace(group);
        ArgumentException.ThrowIfNullOrWhiteSpace(holder);
        _group = group;
        _holder = holder;
        _options = options ?? new LeaderElectorOptions();
        if (_options.SafetyMargin >= _options.Ttl || _options.RenewInterval >= _options.Ttl - _options.SafetyMargin)
        {
            throw new ArgumentException("the renew interval must fit in the lease less its safety margin", nameof(options));
        }

        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The failover group this elector competes in.</summary>
    public string Group => _group;

    /// <summary>This replica's name in the group.</summary>
    public string Holder => _holder;

    /// <summary>Lease timing.</summary>
    public LeaderElectorOptions Options => _options;

    /// <summary>The clock of the term's deadline; a gate bound to this elector must read the same one.</summary>
    internal TimeProvider Time => _time;

    /// <summary>Raised on every gain and loss of leadership.</summary>
    public event Action<LeadershipChange>? Changed;

    /// <summary>True only while the lease is valid by this replica's own clock, less the margin. Safe from any thread.</summary>
    public bool IsLeader => Current() is not null;

    /// <summary>The current term's fencing token, or null when not leader.</summary>
    public FencingToken? Token => Current()?.Lease.Token;

    /// <summary>Cancelled the moment leadership ends (loss, refusal, deadline, stop); already cancelled when not leader.</summary>
    public CancellationToken LeadershipToken => Current()?.Token ?? new CancellationToken(canceled: true);

    /// <summary>Starts competing for leadership in the background.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        _stopping = new CancellationTokenSource();
        var stopping = _stopping.Token;
        _loop = Task.Run(() => LoopAsync(stopping), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Stops competing and, when leader, resigns: the lease is released so a successor need not wait for it to expire.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_stopping is { } stopping)
        {
            await stopping.CancelAsync().ConfigureAwait(false);
            await _loop!.ConfigureAwait(false);
            stopping.Dispose();
            _stopping = null;
        }

        if (Lose("stopped") is { } term)
        {
            await ReleaseQuietlyAsync(term.Lease, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ReleaseQuietlyAsync(Lease lease, CancellationToken cancellationToken)
    {
        try
        {
            await _coordinator.ReleaseAsync(lease, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not released: it expires by itself; nobody acts on it, since this replica is no longer leader.
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    /// <summary>
    /// Null when this replica knows whether it leads: it holds a valid term, or the coordinator answered within the lease
    /// time. Otherwise why not (never answered yet, or silent too long, with the last error), for readiness.
    /// </summary>
    internal string? LeadershipUnknown()
    {
        if (IsLeader)
        {
            return null;
        }

        var answeredAt = Volatile.Read(ref _answeredAt);
        var failure = Volatile.Read(ref _lastFailure);
        if (answeredAt == 0)
        {
            return $"group {_group}: the coordinator has not answered yet{(failure is null ? "" : " (" + failure + ")")}";
        }

        var silent = _time.GetElapsedTime(answeredAt);
        return silent <= _options.Ttl
            ? null
            : $"group {_group}: the coordinator has not answered for {silent.TotalSeconds:0.0} s{(failure is null ? "" : " (" + failure + ")")}";
    }

    private void Answered()
    {
        Volatile.Write(ref _lastFailure, null);
        Volatile.Write(ref _answeredAt, _time.GetTimestamp());
    }

    private void Unanswered(Exception exception) => Volatile.Write(ref _lastFailure, exception.Message);

    /// <summary>One step: acquire when follower, renew when leader. Returns whether this replica leads afterwards.</summary>
    internal async Task<bool> StepAsync(CancellationToken cancellationToken)
    {
        Term? term;
        lock (_gate)
        {
            term = _term;
        }

        var sent = _time.GetTimestamp();
        if (term is null)
        {
            var requestedAt = _time.GetUtcNow();
            Lease? lease;
            try
            {
                lease = await _coordinator.TryAcquireAsync(_group, _holder, _options.Ttl, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Unanswered(ex);
                return false;
            }

            Answered();
            if (lease is null)
            {
                return false;
            }

            var gained = new Term(lease, Deadline(sent), new CancellationTokenSource(Remaining(Deadline(sent)), _time));
            lock (_gate)
            {
                _term = gained;
            }

            Changed?.Invoke(new LeadershipChange(true, lease.Token, lease.ByHandover ? "lease handed over" : "lease acquired")
            {
                Lease = lease,
                At = _time.GetUtcNow(),
                RequestedAt = requestedAt,
                Term = gained.View,
            });
            return true;
        }

        if (_time.GetTimestamp() >= term.ValidUntil)
        {
            Lose("renew deadline passed");
            return false;
        }

        bool renewed;
        var reachable = true;
        string reason;
        try
        {
            renewed = await _coordinator.RenewAsync(term.Lease, cancellationToken).ConfigureAwait(false);
            reason = "renew refused: the lease expired, another term began, or a switchover hands it on";
            Answered();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Unanswered(ex);
            renewed = false;
            reachable = false;
            reason = "coordinator unreachable: " + ex.Message;
        }

        if (!renewed)
        {
            Lose(reason);

            // Refused by a switchover, the lease is still ours: give it up now so the target need not wait for its
            // expiry. Refused because it expired or another term began, the release matches nothing and does nothing.
            if (reachable)
            {
                await ReleaseQuietlyAsync(term.Lease, cancellationToken).ConfigureAwait(false);
            }

            return false;
        }

        var expired = false;
        lock (_gate)
        {
            if (!ReferenceEquals(_term, term))
            {
                return false;
            }

            // The deadline passed (or its timer fired) while the renew was on its way: that term is over, even though
            // the lease was extended. End it properly, so the next step starts a new term with a new token.
            expired = _time.GetTimestamp() >= term.ValidUntil || term.Cancellation.IsCancellationRequested;
            if (!expired)
            {
                term.ValidUntil = Deadline(sent);
                term.View.Extend(term.ValidUntil);
                term.Cancellation.CancelAfter(Remaining(term.ValidUntil));
            }
        }

        if (expired)
        {
            Lose("renew deadline passed while renewing");
            return false;
        }

        return true;
    }

    private async Task LoopAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                // Stopping may land while a coordinator call is in flight: that is a stop, not a failure.
                var leading = await StepAsync(stopping).ConfigureAwait(false);
                await Task.Delay(leading ? _options.RenewInterval : _options.RetryInterval, _time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private Term? Current()
    {
        // The clock decides, not the loop: a paused replica is not leader once its deadline has passed.
        lock (_gate)
        {
            return _term is { } term && _time.GetTimestamp() < term.ValidUntil ? term : null;
        }
    }

    private Term? Lose(string reason)
    {
        Term? term;
        lock (_gate)
        {
            term = _term;
            _term = null;
        }

        if (term is null)
        {
            return null;
        }

        // First the deadline every bound gate reads, so no order passes under this term from here on.
        term.View.End();
        term.Cancellation.Cancel();
        term.Cancellation.Dispose();
        Changed?.Invoke(new LeadershipChange(false, term.Lease.Token, reason) { Lease = term.Lease, At = _time.GetUtcNow() });
        return term;
    }

    private long Deadline(long sentTimestamp) =>
        sentTimestamp + (long)((_options.Ttl - _options.SafetyMargin).TotalSeconds * _time.TimestampFrequency);

    private TimeSpan Remaining(long deadline)
    {
        var remaining = _time.GetElapsedTime(_time.GetTimestamp(), deadline);
        return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
    }

    private sealed class Term(Lease lease, long validUntil, CancellationTokenSource cancellation)
    {
        public Lease Lease { get; } = lease;

        public long ValidUntil { get; set; } = validUntil;

        /// <summary>The token and deadline a bound gate compares each order's time with.</summary>
        public LeadershipTerm View { get; } = new(lease.Token.Value, validUntil);

        public CancellationTokenSource Cancellation { get; } = cancellation;

        /// <summary>
        /// Taken while the source is new: a reader on another thread may hold this term just as a loss disposes its
        /// source, and a token taken before stays valid (cancelled) where the source's own property would throw.
        /// </summary>
        public CancellationToken Token { get; } = cancellation.Token;
    }
}
