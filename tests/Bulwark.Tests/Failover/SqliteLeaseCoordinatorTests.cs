using Bulwark.Failover;

namespace Bulwark.Tests.Failover;

public sealed class SqliteLeaseCoordinatorTests : LeaseCoordinatorContract, IDisposable
{
    private readonly TempDirectory _dir = new();

    protected override bool UsesFakeTime => true;

    protected override async Task<ILeaseCoordinator> ConnectAsync() =>
        await SqliteLeaseCoordinator.OpenAsync(_dir.File("leases.db"), Time);

    public void Dispose() => _dir.Dispose();
}
