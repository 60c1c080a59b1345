using System.Text.Json;
using Bulwark.Trading;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Net.Client;

namespace Bulwark.Etcd;

/// <summary>
/// The installation's kill switches as etcd keys <c>{prefix}{scope}</c> (no lease: they outlive every node), followed
/// with a watch from the revision of the last full read, so no change falls between the read and the watch. The
/// revision of a change is the key's mod revision. A read every 500 ms (1 s timeout) proves the connection alive: a
/// watch on a dead member can stay silent.
/// </summary>
public sealed class EtcdKillSwitchChannel : FollowingKillSwitchChannel
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(1);
    private readonly EtcdClient _client;
    private readonly string[] _endpoints;
    private readonly string _prefix;
    private long _attempt = -1;

    /// <summary>Connects to <paramref name="endpoints"/> (comma-separated URLs), keys under <paramref name="keyPrefix"/>.</summary>
    public EtcdKillSwitchChannel(string endpoints, string keyPrefix = "/bulwark/killswitch/")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(keyPrefix);
        _client = new EtcdClient(endpoints);
        _endpoints = endpoints.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        _prefix = keyPrefix;
    }

    /// <inheritdoc />
    public override async ValueTask<KillSwitchState> PublishAsync(KillSwitchState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        using var timeout = Timeout(cancellationToken);
        try
        {
            var response = await _client.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(_prefix + state.Scope), Value = Encode(state) }, cancellationToken: timeout.Token)
                .ConfigureAwait(false);
            return state with { Revision = response.Header.Revision };
        }
        catch (Grpc.Core.RpcException ex) when (ex.StatusCode == Grpc.Core.StatusCode.InvalidArgument)
        {
            // The request as it stands (larger than the cluster's request limit, say): the same change fails again. A full
            // database (ResourceExhausted) or an unreachable member is worth retrying, and is.
            throw new KillSwitchChangeRefusedException($"etcd refused the change of {state.Scope}: {ex.Status.Detail}", ex);
        }
    }

    /// <inheritdoc />
    public override async ValueTask<IReadOnlyList<KillSwitchState>> ReadAllAsync(CancellationToken cancellationToken = default) =>
        (await ReadAsync(cancellationToken).ConfigureAwait(false)).States;

    /// <inheritdoc />
    protected override async Task FollowOnceAsync(Func<KillSwitchState, Task> changed, Action inSync, CancellationToken cancellationToken)
    {
        using var session = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var (states, revision) = await ReadAsync(session.Token).ConfigureAwait(false);
        foreach (var state in states)
        {
            await changed(state).ConfigureAwait(false);
        }

        // The watch on its own gRPC stream (one endpoint per connection, in turn), so its end is this task's end.
        var endpoint = _endpoints[(int)((ulong)Interlocked.Increment(ref _attempt) % (ulong)_endpoints.Length)];
        using var grpc = GrpcChannel.ForAddress(endpoint);
        var call = new Watch.WatchClient(grpc).Watch(cancellationToken: session.Token);
        await call.RequestStream.WriteAsync(new WatchRequest
        {
            CreateRequest = new WatchCreateRequest { Key = ByteString.CopyFromUtf8(_prefix), RangeEnd = ByteString.CopyFromUtf8(RangeEnd(_prefix)), StartRevision = revision + 1 },
        }, session.Token).ConfigureAwait(false);
        var watch = Task.Run(async () =>
        {
            using (call)
            {
                while (await call.ResponseStream.MoveNext(session.Token).ConfigureAwait(false))
                {
                    if (call.ResponseStream.Current is { Canceled: true } cancelled)
                    {
                        throw new IOException("etcd cancelled the watch: " + cancelled.CancelReason);
                    }

                    foreach (var e in call.ResponseStream.Current.Events)
                    {
                        if (e.Type == Mvccpb.Event.Types.EventType.Put && Decode(e.Kv) is { } state)
                        {
                            await changed(state).ConfigureAwait(false);
                        }
                    }
                }
            }

            throw new IOException("the watch stream ended");
        }, CancellationToken.None);
        inSync();
        var heartbeat = Task.Run(() => HeartbeatAsync(session.Token), CancellationToken.None);

        // Whichever ends first (the watch broke, a heartbeat failed, stop) ends the connection.
        var ended = await Task.WhenAny(watch, heartbeat).ConfigureAwait(false);
        await session.CancelAsync().ConfigureAwait(false);
        await Quietly(watch).ConfigureAwait(false);
        await Quietly(heartbeat).ConfigureAwait(false);
        await ended.ConfigureAwait(false); // a fault surfaces to the reconnect loop
    }

    /// <inheritdoc />
    public override ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await Task.Delay(Heartbeat, cancellationToken).ConfigureAwait(false);
            using var timeout = Timeout(cancellationToken);
            await _client.GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(_prefix), CountOnly = true }, cancellationToken: timeout.Token).ConfigureAwait(false);
        }
    }

    private async Task<(IReadOnlyList<KillSwitchState> States, long Revision)> ReadAsync(CancellationToken cancellationToken)
    {
        using var timeout = Timeout(cancellationToken);
        var range = await _client.GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(_prefix), RangeEnd = ByteString.CopyFromUtf8(RangeEnd(_prefix)) }, cancellationToken: timeout.Token)
            .ConfigureAwait(false);
        return (range.Kvs.Select(Decode).OfType<KillSwitchState>().ToList(), range.Header.Revision);
    }

    private KillSwitchState? Decode(Mvccpb.KeyValue kv)
    {
        try
        {
            var value = JsonSerializer.Deserialize<Stored>(kv.Value.ToStringUtf8());
            return value is null ? null : new KillSwitchState(kv.Key.ToStringUtf8()[_prefix.Length..], value.Engaged, value.Who, value.Reason) { Revision = kv.ModRevision };
        }
        catch (JsonException)
        {
            return null; // not ours
        }
    }

    private static ByteString Encode(KillSwitchState state) =>
        ByteString.CopyFromUtf8(JsonSerializer.Serialize(new Stored(state.Engaged, state.Who, state.Reason)));

    /// <summary>The end of the prefix's range: the prefix with its last byte plus one.</summary>
    private static string RangeEnd(string prefix) => prefix[..^1] + (char)(prefix[^1] + 1);

    private static async Task Quietly(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Ended by the session's cancellation or by the fault already being handled.
        }
    }

    private static CancellationTokenSource Timeout(CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        source.CancelAfter(RequestTimeout);
        return source;
    }

    private sealed record Stored(bool Engaged, string Who, string Reason);
}
