using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bulwark.Server.Stream;

/// <summary>
/// New events from the event log, fanned out to every open stream. The log is the source (every writer appends there:
/// the manager, the gate, recoveries, the CLI in another process), read by sequence every <see cref="PollInterval"/> and
/// at once when the system reports a transition. Each subscriber has a bounded buffer: one that falls
/// <see cref="BufferSize"/> events behind is dropped, and its client resumes from the log with Last-Event-ID.
/// </summary>
internal sealed partial class EventFeed(SafetySystem system, ILogger<EventFeed> logger) : BackgroundService
{
    internal static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    internal const int BufferSize = 1024;
    private const int Page = 500;

    private readonly ConcurrentDictionary<Subscription, byte> _subscribers = new();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private long _position = -1;

    /// <summary>The last sequence read from the log (-1 before the first read).</summary>
    public long Position => Interlocked.Read(ref _position);

    /// <summary>Registers a subscriber; dispose it to leave.</summary>
    public Subscription Subscribe()
    {
        var subscription = new Subscription(this);
        _subscribers[subscription] = 0;
        _wake.Writer.TryWrite(true);
        return subscription;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        system.Transitioned += Nudge;
        try
        {
            using var timer = new PeriodicTimer(PollInterval, system.Time);
            Task<bool>? tick = null; // one wait on the timer at a time: a nudge may come first
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    if (Position < 0)
                    {
                        var latest = await system.Events.ReadAsync(new EventQuery { Limit = 1 }, stoppingToken).ConfigureAwait(false);
                        Interlocked.Exchange(ref _position, latest.Count > 0 ? latest[0].Sequence : 0);
                    }
                    else
                    {
                        await ReadNewAsync(stoppingToken).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The store failing is told by /readyz and the system state; the stream waits and reads again.
                    ReadFailed(logger, ex);
                }

                tick ??= timer.WaitForNextTickAsync(stoppingToken).AsTask();
                if (await Task.WhenAny(tick, _wake.Reader.WaitToReadAsync(stoppingToken).AsTask()).ConfigureAwait(false) == tick)
                {
                    await tick.ConfigureAwait(false);
                    tick = null;
                }

                _wake.Reader.TryRead(out _);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            system.Transitioned -= Nudge;
            foreach (var subscriber in _subscribers.Keys)
            {
                subscriber.Complete();
            }
        }
    }

    private void Nudge(SafetyEvent _) => _wake.Writer.TryWrite(true);

    private async Task ReadNewAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var events = await system.Events.ReadAsync(new EventQuery { AfterSequence = Position, Limit = Page, FromOldest = true }, cancellationToken).ConfigureAwait(false);
            foreach (var e in events)
            {
                foreach (var subscriber in _subscribers.Keys)
                {
                    subscriber.Offer(e);
                }

                Interlocked.Exchange(ref _position, e.Sequence);
            }

            if (events.Count < Page)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "The event stream could not read the event log; it retries")]
    private static partial void ReadFailed(ILogger logger, Exception exception);

    /// <summary>One open stream's buffer of live events.</summary>
    internal sealed class Subscription(EventFeed feed) : IDisposable
    {
        private readonly Channel<SafetyEvent> _buffer = Channel.CreateBounded<SafetyEvent>(new BoundedChannelOptions(BufferSize) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

        /// <summary>True once the buffer overflowed: the subscriber missed events and must resume from the log.</summary>
        public bool Overflowed { get; private set; }

        public ChannelReader<SafetyEvent> Events => _buffer.Reader;

        internal void Offer(SafetyEvent e)
        {
            if (!_buffer.Writer.TryWrite(e))
            {
                Overflowed = true;
                _buffer.Writer.TryComplete();
            }
        }

        internal void Complete() => _buffer.Writer.TryComplete();

        public void Dispose()
        {
            feed._subscribers.TryRemove(this, out _);
            _buffer.Writer.TryComplete();
        }
    }
}
