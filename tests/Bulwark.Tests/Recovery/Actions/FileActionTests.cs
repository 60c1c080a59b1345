using System.Diagnostics;
using Bulwark.Recovery;
using Bulwark.Recovery.Actions;

namespace Bulwark.Tests.Recovery.Actions;

/// <summary>clearCache, restoreBackup and rollbackDeployment against real files, directories and symlinks in a temporary directory.</summary>
public sealed class FileActionTests : IDisposable
{
    private static readonly ActionContext Automatic = new(Manual: false);
    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task ClearCache_EmptiesTheDirectory_AndASymlinkToOutsideSurvivesUntouched()
    {
        var root = Directory.CreateDirectory(_temp.File("cache-root")).FullName;
        var cache = Directory.CreateDirectory(Path.Combine(root, "web")).FullName;
        var outside = Directory.CreateDirectory(_temp.File("precious")).FullName;
        File.WriteAllText(Path.Combine(outside, "keep.txt"), "do not delete");
        File.WriteAllText(_temp.File("precious-file.txt"), "do not delete either");
        File.WriteAllText(Path.Combine(cache, "a.bin"), new string('x', 1000));
        Directory.CreateDirectory(Path.Combine(cache, "nested", "deeper"));
        File.WriteAllText(Path.Combine(cache, "nested", "deeper", "b.bin"), "b");
        File.CreateSymbolicLink(Path.Combine(cache, "to-outside-dir"), outside);
        File.CreateSymbolicLink(Path.Combine(cache, "nested", "to-outside-file"), _temp.File("precious-file.txt"));

        var output = await new ClearCacheAction(cache, root).RunAsync(Automatic, CancellationToken.None);

        Assert.Empty(Directory.EnumerateFileSystemEntries(cache));
        Assert.True(Directory.Exists(cache));
        Assert.Equal("do not delete", File.ReadAllText(Path.Combine(outside, "keep.txt")));
        Assert.Equal("do not delete either", File.ReadAllText(_temp.File("precious-file.txt")));
        Assert.Contains("2 file(s), 2 directory(ies), 2 symlink(s) removed, 1001 bytes", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClearCache_ThroughASymlinkOutOfTheRoot_IsRefused_AndNothingIsRemoved()
    {
        var root = Directory.CreateDirectory(_temp.File("cache-root")).FullName;
        var outside = Directory.CreateDirectory(_temp.File("elsewhere")).FullName;
        File.WriteAllText(Path.Combine(outside, "keep.txt"), "keep");
        File.CreateSymbolicLink(Path.Combine(root, "web"), outside);

        var error = await Assert.ThrowsAsync<RecoveryActionException>(() => new ClearCacheAction(Path.Combine(root, "web"), root).RunAsync(Automatic, CancellationToken.None));

        Assert.Contains("is a symlink", error.Message, StringComparison.Ordinal);
        Assert.Equal("keep", File.ReadAllText(Path.Combine(outside, "keep.txt")));
    }

    [Fact]
    public async Task ClearCache_OutsideTheRoot_IsRefused()
    {
        var root = Directory.CreateDirectory(_temp.File("cache-root")).FullName;
        var other = Directory.CreateDirectory(_temp.File("other")).FullName;
        File.WriteAllText(Path.Combine(other, "keep.txt"), "keep");

        await Assert.ThrowsAsync<RecoveryActionException>(() => new ClearCacheAction(Path.Combine(root, "..", "other"), root).RunAsync(Automatic, CancellationToken.None));
        Assert.True(File.Exists(Path.Combine(other, "keep.txt")));
    }

    [Fact]
    public async Task RestoreBackup_Directory_IsCheckedAndSwappedIn()
    {
        var (backup, manifest) = await BackupAsync();
        var target = Directory.CreateDirectory(_temp.File("live")).FullName;
        File.WriteAllText(Path.Combine(target, "config.json"), "{\"broken\":true}");
        File.WriteAllText(Path.Combine(target, "stray.tmp"), "left by the bad deploy");

        var output = await new RestoreBackupAction(backup, target, manifest).RunAsync(Automatic, CancellationToken.None);

        Assert.Equal("{\"ok\":true}", File.ReadAllText(Path.Combine(target, "config.json")));
        Assert.Equal("rows", File.ReadAllText(Path.Combine(target, "data", "table.csv")));
        Assert.False(File.Exists(Path.Combine(target, "stray.tmp")));
        Assert.Contains("restored 2 file(s)", output, StringComparison.Ordinal);
        Assert.Equal(["backup", "backup.sha256", "live"], Directory.EnumerateFileSystemEntries(_temp.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task RestoreBackup_CorruptedFile_IsRefusedByItsChecksum_AndTheTargetStaysAsItWas()
    {
        var (backup, manifest) = await BackupAsync();
        File.WriteAllText(Path.Combine(backup, "data", "table.csv"), "rowz");
        var target = Directory.CreateDirectory(_temp.File("live")).FullName;
        File.WriteAllText(Path.Combine(target, "config.json"), "current");

        var error = await Assert.ThrowsAsync<RecoveryActionException>(() => new RestoreBackupAction(backup, target, manifest).RunAsync(Automatic, CancellationToken.None));

        Assert.Contains("data/table.csv has SHA-256", error.Message, StringComparison.Ordinal);
        Assert.Equal("current", File.ReadAllText(Path.Combine(target, "config.json")));
        Assert.Equal(["backup", "backup.sha256", "live"], Directory.EnumerateFileSystemEntries(_temp.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task RestoreBackup_FileTheManifestDoesNotList_IsRefused()
    {
        var (backup, manifest) = await BackupAsync();
        File.WriteAllText(Path.Combine(backup, "extra.txt"), "smuggled in");
        var target = _temp.File("live");

        var error = await Assert.ThrowsAsync<RecoveryActionException>(() => new RestoreBackupAction(backup, target, manifest).RunAsync(Automatic, CancellationToken.None));

        Assert.Contains("does not list: extra.txt", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public async Task RestoreBackup_SingleFile_ReplacesTheTarget()
    {
        File.WriteAllText(_temp.File("settings.backup"), "good settings");
        var manifest = _temp.File("settings.sha256");
        File.WriteAllText(manifest, await Sha256SumAsync(_temp.Path, "settings.backup"));
        File.WriteAllText(_temp.File("settings.conf"), "bad settings");

        await new RestoreBackupAction(_temp.File("settings.backup"), _temp.File("settings.conf"), manifest).RunAsync(Automatic, CancellationToken.None);

        Assert.Equal("good settings", File.ReadAllText(_temp.File("settings.conf")));
    }

    [Fact]
    public async Task RollbackDeployment_SwitchesCurrentToThePreviousRelease_AndBack()
    {
        var deployment = Directory.CreateDirectory(_temp.File("app")).FullName;
        foreach (var release in new[] { "20261201120000", "20261202090000", "20261202130000" })
        {
            Directory.CreateDirectory(Path.Combine(deployment, "releases", release));
            File.WriteAllText(Path.Combine(deployment, "releases", release, "VERSION"), release);
        }

        var current = Path.Combine(deployment, "current");
        File.CreateSymbolicLink(current, Path.Combine(deployment, "releases", "20261202130000"));

        var back = await new RollbackDeploymentAction(deployment, release: null).RunAsync(Automatic, CancellationToken.None);
        Assert.Equal("20261202090000", File.ReadAllText(Path.Combine(current, "VERSION")));
        Assert.Contains("releases/20261202130000 -> releases/20261202090000", back, StringComparison.Ordinal);
        Assert.NotNull(new FileInfo(current).LinkTarget);

        await new RollbackDeploymentAction(deployment, release: "20261202130000").RunAsync(Automatic, CancellationToken.None);
        Assert.Equal("20261202130000", File.ReadAllText(Path.Combine(current, "VERSION")));

        // Nothing but the releases and the link is left behind.
        Assert.Equal(["current", "releases"], Directory.EnumerateFileSystemEntries(deployment).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task RollbackDeployment_WithNoEarlierRelease_Fails_AndLeavesTheLink()
    {
        var deployment = Directory.CreateDirectory(_temp.File("app")).FullName;
        Directory.CreateDirectory(Path.Combine(deployment, "releases", "001"));
        File.CreateSymbolicLink(Path.Combine(deployment, "current"), Path.Combine("releases", "001"));

        var error = await Assert.ThrowsAsync<RecoveryActionException>(() => new RollbackDeploymentAction(deployment, null).RunAsync(Automatic, CancellationToken.None));

        Assert.Contains("no release before 001", error.Message, StringComparison.Ordinal);
        Assert.Equal(Path.Combine("releases", "001"), new FileInfo(Path.Combine(deployment, "current")).LinkTarget);
    }

    [Fact]
    public async Task RollbackDeployment_CurrentNotASymlink_Fails()
    {
        var deployment = Directory.CreateDirectory(_temp.File("app")).FullName;
        Directory.CreateDirectory(Path.Combine(deployment, "releases", "001"));
        Directory.CreateDirectory(Path.Combine(deployment, "current"));

        var error = await Assert.ThrowsAsync<RecoveryActionException>(() => new RollbackDeploymentAction(deployment, null).RunAsync(Automatic, CancellationToken.None));
        Assert.Contains("is not a symlink", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A backup directory and its manifest, written by the real sha256sum.</summary>
    private async Task<(string Backup, string Manifest)> BackupAsync()
    {
        var backup = Directory.CreateDirectory(_temp.File("backup")).FullName;
        Directory.CreateDirectory(Path.Combine(backup, "data"));
        File.WriteAllText(Path.Combine(backup, "config.json"), "{\"ok\":true}");
        File.WriteAllText(Path.Combine(backup, "data", "table.csv"), "rows");
        var manifest = _temp.File("backup.sha256");
        File.WriteAllText(manifest, await Sha256SumAsync(backup, "config.json", "data/table.csv"));
        return (backup, manifest);
    }

    private static async Task<string> Sha256SumAsync(string directory, params string[] files)
    {
        var info = new ProcessStartInfo("sha256sum") { WorkingDirectory = directory, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var file in files)
        {
            info.ArgumentList.Add(file);
        }

        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
        return output;
    }

    public void Dispose() => _temp.Dispose();
}
