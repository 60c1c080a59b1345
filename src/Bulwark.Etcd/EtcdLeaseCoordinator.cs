using System.Collections.Concurrent;
using System.Text.Json;
using Bulwark.Failover;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Lease = Bulwark.Failover.Lease;

namespace Bulwark.Etcd;

/// <summary>
/// Leases in etcd, through dotnet-etcd. A term is a key <c>{prefix}{group}</c> attached to an etcd lease and created
/// in a transaction that succeeds only when the key does not exist (<c>create_revision == 0</c>); the fencing token
/// is that key's create revision, which etcd's single revision counter makes larger for every later term. Expiry is
/// etcd's: a lease whose keep-alives stop is revoked by the cluster and its key deleted.
/// Renew and release first read the key and act only when its create revision is this term's token, so they never
/// touch a successor's lease.
/// </summary>
public sealed class EtcdLeaseCoordinator : ILeaseCoordinator
{
    private readonly EtcdClient _client;
    private readonly string _prefix;
    private readonly TimeSpan _requestTimeout;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, PreviousTerm> _lastSeen = new(StringComparer.Ordinal);

    /// <summary>
    /// Connects to the cluster at <paramref name="endpoints"/> (comma-separated <c>http://host:port</c>), keeping keys
    /// under <paramref name="keyPrefix"/>. A request that takes longer than <paramref name="requestTimeout"/> (default
    /// 1 s) fails, so an unreachable cluster reads as "not leader" quickly.
    /// </summary>
    public EtcdLeaseCoordinator(string endpoints, string keyPrefix = "/bulwark/leases/", TimeSpan? requestTimeout = null, TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(keyPrefix);
        _client = new EtcdClient(endpoints);
        _prefix = keyPrefix;
        _requestTimeout = requestTimeout ?? TimeSpan.FromSeconds(1);
    }

    /// <summary>etcd leases last whole seconds: a TTL is rounded up, never down.</summary>
    internal static long TtlSeconds(TimeSpan ttl) => Math.Max(1, (long)Math.Ceiling(ttl.TotalSeconds));

    /// <inheritdoc />
    public async ValueTask<Lease?> TryAcquireAsync(string group, string holder, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(group);
        ArgumentException.ThrowIfNullOrWhiteSpace(holder);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        using var timeout = Timeout(cancellationToken);
        var grant = await _client.LeaseGrantAsync(new LeaseGrantRequest { TTL = TtlSeconds(ttl) }, cancellationToken: timeout.Token).ConfigureAwait(false);
        var key = LeaderKey(group);
        var handover = HandoverKey(group);
        var value = Value(holder, ttl);
        try
        {
            // Free and not reserved by a switchover: take it. Otherwise read who holds it (remembered as the term a
            // successor follows) and whether a hand-over reserves it for this holder.
            var transaction = new TxnRequest();
            transaction.Compare.Add(Absent(key));
            transaction.Compare.Add(Absent(handover));
            transaction.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = key, Value = value, Lease = grant.ID } });
            transaction.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = key } });
            transaction.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = handover } });
            var response = await _client.TransactionAsync(transaction, cancellationToken: timeout.Token).ConfigureAwait(false);
            if (response.Succeeded)
            {
                // The put created the key, so the transaction's revision is the key's create revision.
                return NewTerm(group, holder, ttl, response.Header.Revision, byHandover: false);
            }

            var leader = response.Responses[0].ResponseRange.Kvs;
            var reservation = response.Responses[1].ResponseRange.Kvs;
            if (leader.Count == 1)
            {
                Remember(group, leader[0]);
            }

            if (leader.Count == 1 || reservation.Count != 1 || reservation[0].Value.ToStringUtf8() != holder)
            {
                await RevokeQuietlyAsync(grant.ID).ConfigureAwait(false);
                return null;
            }

            // Reserved for this holder: take it and end the reservation in one step.
            var handed = new TxnRequest();
            handed.Compare.Add(Absent(key));
            handed.Compare.Add(new Compare { Key = handover, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = reservation[0].ModRevision });
            handed.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = key, Value = value, Lease = grant.ID } });
            handed.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = handover } });
            var taken = await _client.TransactionAsync(handed, cancellationToken: timeout.Token).ConfigureAwait(false);
            if (taken.Succeeded)
            {
                return NewTerm(group, holder, ttl, taken.Header.Revision, byHandover: true);
            }

            await RevokeQuietlyAsync(grant.ID).ConfigureAwait(false);
            return null;
        }
        catch
        {
            await RevokeQuietlyAsync(grant.ID).ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> RenewAsync(Lease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        using var timeout = Timeout(cancellationToken);
        var leaseId = await TermLeaseIdAsync(lease, timeout.Token).ConfigureAwait(false);
        if (leaseId is not { } id)
        {
            return false;
        }

        // Record the renewal on the key (only if it is still this term's: a put on a deleted key would create a new
        // one), and see whether a switchover hands the group to another replica: then the leader resigns first.
        var key = LeaderKey(lease.Group);
        var transaction = new TxnRequest();
        transaction.Compare.Add(new Compare { Key = key, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = lease.Token.Value });
        transaction.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = key, Value = Value(lease.Holder, lease.Ttl), Lease = id } });
        transaction.Success.Add(new RequestOp { RequestRange = new RangeRequest { Key = HandoverKey(lease.Group) } });
        var response = await _client.TransactionAsync(transaction, cancellationToken: timeout.Token).ConfigureAwait(false);
        if (!response.Succeeded)
        {
            return false;
        }

        var reservation = response.Responses[1].ResponseRange.Kvs;
        if (reservation.Count == 1 && reservation[0].Value.ToStringUtf8() != lease.Holder)
        {
            return false;
        }

        var answer = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stream = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        var call = _client.LeaseKeepAlive(new LeaseKeepAliveRequest { ID = id }, r => answer.TrySetResult(r.TTL), stream.Token, null);
        var first = await Task.WhenAny(answer.Task, call).ConfigureAwait(false);
        await stream.CancelAsync().ConfigureAwait(false);
        try
        {
            await call.ConfigureAwait(false);
        }
        catch (Exception) when (first == answer.Task)
        {
            // The stream is closed by cancelling it once the answer is in.
        }

        timeout.Token.ThrowIfCancellationRequested();
        return answer.Task.IsCompletedSuccessfully && answer.Task.Result > 0;
    }

    /// <inheritdoc />
    public async ValueTask<LeaseRecord?> ReadAsync(string group, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(group);
        using var timeout = Timeout(cancellationToken);
        var transaction = new TxnRequest();
        transaction.Success.Add(new RequestOp { RequestRange = new RangeRequest { Key = LeaderKey(group) } });
        transaction.Success.Add(new RequestOp { RequestRange = new RangeRequest { Key = HandoverKey(group) } });
        var response = await _client.TransactionAsync(transaction, cancellationToken: timeout.Token).ConfigureAwait(false);
        var leader = response.Responses[0].ResponseRange.Kvs;
        var reservation = response.Responses[1].ResponseRange.Kvs;
        var handoverTo = reservation.Count == 1 ? reservation[0].Value.ToStringUtf8() : null;
        if (leader.Count == 1)
        {
            var (holder, renewedAt, ttl) = Parse(leader[0].Value);
            Remember(group, leader[0]);
            return new LeaseRecord(group, holder, new FencingToken(leader[0].CreateRevision), renewedAt, renewedAt + ttl) { HandoverTo = handoverTo };
        }

        // Nobody leads: the key went with its lease. Show the last term this client saw, as ended.
        if (_lastSeen.TryGetValue(group, out var last))
        {
            return new LeaseRecord(group, last.Holder, last.Token, last.LastRenewedAt, DateTimeOffset.MinValue) { HandoverTo = handoverTo };
        }

        return handoverTo is null
            ? null
            : new LeaseRecord(group, string.Empty, default, DateTimeOffset.MinValue, DateTimeOffset.MinValue) { HandoverTo = handoverTo };
    }

    /// <inheritdoc />
    public async ValueTask RequestHandoverAsync(string group, string target, TimeSpan window, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(group);
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        using var timeout = Timeout(cancellationToken);

        // The reservation lives on its own etcd lease, so it lapses by itself at the window's end.
        var grant = await _client.LeaseGrantAsync(new LeaseGrantRequest { TTL = TtlSeconds(window) }, cancellationToken: timeout.Token).ConfigureAwait(false);
        await _client.PutAsync(new PutRequest { Key = HandoverKey(group), Value = ByteString.CopyFromUtf8(target), Lease = grant.ID }, cancellationToken: timeout.Token)
            .ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask ReleaseAsync(Lease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        using var timeout = Timeout(cancellationToken);
        if (await TermLeaseIdAsync(lease, timeout.Token).ConfigureAwait(false) is { } id)
        {
            // Revoking the lease deletes the key attached to it.
            await _client.LeaseRevokeAsync(new LeaseRevokeRequest { ID = id }, cancellationToken: timeout.Token).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>The etcd lease of this term, when the group's key is still this term's (same create revision and holder).</summary>
    private async Task<long?> TermLeaseIdAsync(Lease lease, CancellationToken cancellationToken)
    {
        var range = await _client.GetAsync(_prefix + lease.Group, cancellationToken: cancellationToken).ConfigureAwait(false);
        return range.Kvs.Count == 1 && range.Kvs[0].CreateRevision == lease.Token.Value && Parse(range.Kvs[0].Value).Holder == lease.Holder
            ? range.Kvs[0].Lease
            : null;
    }

    private Lease NewTerm(string group, string holder, TimeSpan ttl, long revision, bool byHandover) =>
        new(group, holder, new FencingToken(revision), ttl)
        {
            Previous = _lastSeen.TryGetValue(group, out var previous) && previous.Token.Value < revision ? previous : null,
            ByHandover = byHandover,
        };

    /// <summary>The last term this client saw holding the group: a successor's <see cref="Lease.Previous"/>.</summary>
    private void Remember(string group, Mvccpb.KeyValue leader)
    {
        var (holder, renewedAt, _) = Parse(leader.Value);
        _lastSeen[group] = new PreviousTerm(holder, new FencingToken(leader.CreateRevision), renewedAt);
    }

    private ByteString LeaderKey(string group) => ByteString.CopyFromUtf8(_prefix + group);

    /// <summary>Beside the leader keys, not under them, so no group name can collide with a reservation.</summary>
    private ByteString HandoverKey(string group) => ByteString.CopyFromUtf8(_prefix.TrimEnd('/') + ".handover/" + group);

    private static Compare Absent(ByteString key) =>
        new() { Key = key, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 };

    /// <summary>The leader key's value: holder, last renewal (the holder's wall clock) and lease length.</summary>
    private ByteString Value(string holder, TimeSpan ttl) =>
        ByteString.CopyFromUtf8(JsonSerializer.Serialize(new LeaderValue(holder, _time.GetUtcNow().ToUnixTimeMilliseconds(), (long)ttl.TotalMilliseconds)));

    private static (string Holder, DateTimeOffset RenewedAt, TimeSpan Ttl) Parse(ByteString value)
    {
        var text = value.ToStringUtf8();
        try
        {
            if (JsonSerializer.Deserialize<LeaderValue>(text) is { H: { } holder } parsed)
            {
                return (holder, DateTimeOffset.FromUnixTimeMilliseconds(parsed.R), TimeSpan.FromMilliseconds(parsed.T));
            }
        }
        catch (JsonException)
        {
            // A bare holder name, as an older Bulwark wrote it.
        }

        return (text, DateTimeOffset.MinValue, TimeSpan.Zero);
    }

    private sealed record LeaderValue(string H, long R, long T);

    private async Task RevokeQuietlyAsync(long id)
    {
        try
        {
            using var timeout = new CancellationTokenSource(_requestTimeout);
            await _client.LeaseRevokeAsync(new LeaseRevokeRequest { ID = id }, cancellationToken: timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // An unused lease with no key expires by itself after its TTL.
        }
    }

    private CancellationTokenSource Timeout(CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        source.CancelAfter(_requestTimeout);
        return source;
    }
}
