namespace Bulwark.Storage;

/// <summary>
/// The latest <see cref="StatusReport"/>, kept beside the event log so that another process
/// (<c>bulwark status</c>) can read it while <c>bulwark run</c> is running.
/// </summary>
internal interface IStatusStore
{
    ValueTask WriteStatusAsync(StatusReport report, CancellationToken cancellationToken = default);

    ValueTask<StatusReport?> ReadStatusAsync(CancellationToken cancellationToken = default);
}
