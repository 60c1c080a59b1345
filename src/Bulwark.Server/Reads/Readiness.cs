using Bulwark.Storage;

namespace Bulwark.Server.Reads;

/// <summary>
/// Whether this Bulwark can do its job now: the configuration loaded (it did, or there would be no server), the store
/// writable (its last append succeeded, and a status write succeeds now where the store keeps one), and leadership known
/// (every failover group's coordinator answered within the lease time). Each with the reason when it fails.
/// </summary>
internal sealed class Readiness(SafetySystem system)
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    public async Task<IReadOnlyList<ReadinessCheck>> CheckAsync(CancellationToken cancellationToken)
    {
        return
        [
            new ReadinessCheck("configuration", true, "loaded and valid"),
            await StoreAsync(cancellationToken).ConfigureAwait(false),
            Leadership(),
        ];
    }

    private async Task<ReadinessCheck> StoreAsync(CancellationToken cancellationToken)
    {
        var status = system.Manager.GetStatus();
        if (status.StoreFault is { } fault)
        {
            return new ReadinessCheck("store", false, "the last append failed: " + fault);
        }

        if (system.Events is not IStatusStore statusStore)
        {
            return new ReadinessCheck("store", true, "the last append succeeded");
        }

        // The status row is rewritten every second anyway: writing it now proves the store takes writes, adding nothing.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            await statusStore.WriteStatusAsync(status, timeout.Token).ConfigureAwait(false);
            return new ReadinessCheck("store", true, "writable");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ReadinessCheck("store", false, $"a write did not finish within {ProbeTimeout.TotalSeconds:0} s (locked or stalled)");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new ReadinessCheck("store", false, "a write failed: " + ex.Message);
        }
    }

    private ReadinessCheck Leadership()
    {
        var electors = system.Failover?.Electors ?? [];
        if (electors.Count == 0)
        {
            return new ReadinessCheck("leadership", true, system.Failover is null ? "no failover section: this process leads nothing" : "no active-passive group");
        }

        var unknown = electors.Select(e => e.LeadershipUnknown()).OfType<string>().ToList();
        return unknown.Count == 0
            ? new ReadinessCheck("leadership", true, string.Join("; ", electors.Select(e => $"group {e.Group}: {(e.IsLeader ? "leader" : "follower")}")))
            : new ReadinessCheck("leadership", false, string.Join("; ", unknown));
    }
}

/// <summary>One condition of readiness.</summary>
internal sealed record ReadinessCheck(string Name, bool Ok, string Detail);
