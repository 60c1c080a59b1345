namespace Bulwark.Trading;

/// <summary>
/// The reconnect loop every <see cref="IKillSwitchChannel"/> backend shares: a backend implements one connection's
/// life (<see cref="FollowOnceAsync"/>); this class reports the loss of each connection at once and reconnects after
/// 200 ms, until cancelled.
/// </summary>
public abstract class FollowingKillSwitchChannel : IKillSwitchChannel
{
    private static readonly TimeSpan Reconnect = TimeSpan.FromMilliseconds(200);

    /// <inheritdoc />
    public abstract ValueTask<KillSwitchState> PublishAsync(KillSwitchState state, CancellationToken cancellationToken = default);

    /// <inheritdoc />
    public abstract ValueTask<IReadOnlyList<KillSwitchState>> ReadAllAsync(CancellationToken cancellationToken = default);

    /// <inheritdoc />
    public abstract ValueTask DisposeAsync();

    /// <inheritdoc />
    public async Task FollowAsync(Func<KillSwitchState, Task> changed, Action<bool> connected, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changed);
        ArgumentNullException.ThrowIfNull(connected);
        var inSync = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await FollowOnceAsync(changed, () =>
                {
                    inSync = true;
                    connected(true);
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Cut off: reported below, then reconnect.
            }

            if (inSync || !cancellationToken.IsCancellationRequested)
            {
                inSync = false;
                connected(false);
            }

            try
            {
                await Task.Delay(Reconnect, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// One connection's life: read every scope into <paramref name="changed"/>, call <paramref name="inSync"/>, then
    /// report each change until the connection fails (throw) or <paramref name="cancellationToken"/> stops it.
    /// </summary>
    protected abstract Task FollowOnceAsync(Func<KillSwitchState, Task> changed, Action inSync, CancellationToken cancellationToken);
}
