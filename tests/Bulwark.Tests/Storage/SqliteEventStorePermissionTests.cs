using System.Runtime.Versioning;
using Bulwark.Storage;

namespace Bulwark.Tests.Storage;

/// <summary>The event log is the owner's alone: created 0700 / 0600, and a looser existing mode is warned about.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class SqliteEventStorePermissionTests : IDisposable
{
    private const UnixFileMode Owner = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task ANewStore_IsCreatedOwnerOnly_WithItsWalAndShmFiles()
    {
        var directory = _dir.File("data/nested");
        var path = Path.Combine(directory, BulwarkDefaults.DatabaseFileName);
        await using var store = await SqliteEventStore.OpenAsync(path);
        await store.AppendAsync(new SafetyEvent { Time = TimeProvider.System.GetUtcNow(), Kind = EventKinds.Started, Subject = "system" });

        Assert.Equal(Owner | UnixFileMode.UserExecute, File.GetUnixFileMode(directory));
        Assert.Equal(Owner, File.GetUnixFileMode(path));
        Assert.Equal(Owner, File.GetUnixFileMode(path + "-wal"));
        Assert.Equal(Owner, File.GetUnixFileMode(path + "-shm"));
        Assert.Empty(store.PermissionWarnings);
    }

    [Fact]
    public async Task AnExistingLooserMode_IsWarnedAbout_NamingThePathTheModeAndTheFix()
    {
        var path = _dir.File(BulwarkDefaults.DatabaseFileName);
        await File.WriteAllBytesAsync(path, []);
        File.SetUnixFileMode(_dir.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.SetUnixFileMode(path, Owner | UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);

        await using var store = await SqliteEventStore.OpenAsync(path);

        Assert.Equal(
        [
            $"the data directory {_dir.Path} has mode 0755: others than its owner can reach the event log; fix it with: chmod 700 '{_dir.Path}'",
            $"the database {path} has mode 0646: others than its owner can read the event log and change it; fix it with: chmod 600 '{path}'",
        ], store.PermissionWarnings);
    }

    [Fact]
    public async Task AnOwnerOnlyExistingStore_IsNotWarnedAbout()
    {
        File.SetUnixFileMode(_dir.Path, Owner | UnixFileMode.UserExecute);
        var path = _dir.File(BulwarkDefaults.DatabaseFileName);
        await (await SqliteEventStore.OpenAsync(path)).DisposeAsync();

        await using var store = await SqliteEventStore.OpenAsync(path);

        Assert.Empty(store.PermissionWarnings);
    }
}
