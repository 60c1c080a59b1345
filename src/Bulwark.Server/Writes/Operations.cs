using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;

namespace Bulwark.Server.Writes;

/// <summary>
/// Long writes (drills, recovery runs) running in this process, by id, for <c>GET /api/v1/operations/{id}</c>. The
/// latest <see cref="Kept"/> are kept; the event log keeps every one for good.
/// </summary>
internal sealed class Operations(TimeProvider time)
{
    /// <summary>How many operations stay pollable.</summary>
    public const int Kept = 200;

    private const int ProgressKept = 500;

    private readonly ConcurrentDictionary<string, Operation> _byId = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();
    private long _next;

    public Operation Start(string kind, string plan, string by, string reason)
    {
        var id = "OP-" + Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture);
        var operation = new Operation(id, kind, plan, by, reason, time.GetUtcNow(), time);
        _byId[id] = operation;
        _order.Enqueue(id);
        while (_order.Count > Kept && _order.TryDequeue(out var old))
        {
            _byId.TryRemove(old, out _);
        }

        return operation;
    }

    public Operation? Find(string id) => _byId.GetValueOrDefault(id);

    /// <summary>One long write: its progress lines and, once done, its status and report.</summary>
    internal sealed class Operation(string id, string kind, string plan, string by, string reason, DateTimeOffset startedAt, TimeProvider time)
    {
        private readonly Lock _gate = new();
        private readonly List<string> _progress = [];
        private string _status = "running";
        private DateTimeOffset? _finishedAt;
        private string? _detail;
        private JsonElement? _result;

        public string Id => id;

        public void Progress(string line)
        {
            lock (_gate)
            {
                if (_progress.Count < ProgressKept)
                {
                    _progress.Add(line);
                }
            }
        }

        public void Finish(string status, string? detail, JsonElement? result = null)
        {
            lock (_gate)
            {
                _status = status;
                _detail = detail;
                _result = result;
                _finishedAt = time.GetUtcNow();
            }
        }

        public OperationView View()
        {
            lock (_gate)
            {
                return new OperationView(id, kind, plan, by, reason, _status, startedAt, _finishedAt, _detail, [.. _progress], _result);
            }
        }
    }
}
