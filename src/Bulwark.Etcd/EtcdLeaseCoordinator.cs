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

    /// <summary>
    /// Connects to the cluster at <paramref name="endpoints"/> (comma-separated <c>http://host:port</c>), keeping keys
    /// under <paramref name="keyPrefix"/>. A request that takes longer than <paramref name="requestTimeout"/> (default
    /// 1 s) fails, so an unreachable cluster reads as "not leader" quickly.
    /// </summary>
    public EtcdLeaseCoordinator(string endpoints, string keyPrefix = "/bulwark/leases/", TimeSpan? requestTimeout = null)
    {
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
        var key = ByteString.CopyFromUtf8(_prefix + group);
        var transaction = new TxnRequest();
        transaction.Compare.Add(new Compare
        {
            Key = key,
            Target = Compare.Types.CompareTarget.Create,
            Result = Compare.Types.CompareResult.Equal,
            CreateRevision = 0,
        });
        transaction.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = key, Value = ByteString.CopyFromUtf8(holder), Lease = grant.ID } });
        TxnResponse response;
        try
        {
            response = await _client.TransactionAsync(transaction, cancellationToken: timeout.Token).ConfigureAwait(false);
        }
        catch
        {
            await RevokeQuietlyAsync(grant.ID).ConfigureAwait(false);
            throw;
        }

        if (!response.Succeeded)
        {
            await RevokeQuietlyAsync(grant.ID).ConfigureAwait(false);
            return null;
        }

        // The put created the key, so the transaction's revision is the key's create revision.
        return new Lease(group, holder, new FencingToken(response.Header.Revision), ttl);
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
        return range.Kvs.Count == 1 && range.Kvs[0].CreateRevision == lease.Token.Value && range.Kvs[0].Value.ToStringUtf8() == lease.Holder
            ? range.Kvs[0].Lease
            : null;
    }

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
