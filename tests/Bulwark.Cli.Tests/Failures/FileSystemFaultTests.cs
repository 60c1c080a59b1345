using System.Diagnostics;

namespace Bulwark.Cli.Tests.Failures;

/// <summary>
/// <c>incidents ack</c> on a store whose file system is full or mounted read-only: real file systems (a small tmpfs in
/// a private mount namespace, <c>unshare --map-root-user --mount</c>), the CLI a real process.
/// </summary>
public sealed class FileSystemFaultTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("full", "is full: free some space on it, then retry; nothing was recorded")]
    [InlineData("read-only", "its file system is read-only or this user may not write in its directory")]
    public async Task IncidentAck_OnAFullOrReadOnlyFileSystem_Exits1SayingWhatToDo(string fault, string expected)
    {
        var seed = Directory.CreateDirectory(Path.Combine(_dir.Path, "seed")).FullName;
        var mount = Directory.CreateDirectory(Path.Combine(_dir.Path, "mnt")).FullName;
        await DamagedStore.SeedAsync(seed);

        // Mount, copy the store in, damage the file system, then run the CLI in that namespace.
        var damage = fault == "full"
            ? $"(dd if=/dev/zero of='{mount}/fill' bs=4k 2>/dev/null; true)"
            : $"mount -o remount,ro '{mount}'";
        var cli = Path.Combine(AppContext.BaseDirectory, "Bulwark.Cli.dll");
        var script = $"mount -t tmpfs -o size=512k tmpfs '{mount}' && cp '{seed}/bulwark.db' '{mount}/' && {damage} && " +
            $"exec dotnet '{cli}' incidents ack {DamagedStore.OpenIncident} --by alice --note 'on it' --data-dir '{mount}'";
        var info = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--map-root-user", "--mount", "sh", "-c", script })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        CommandFailureTests.AssertOneLineError((process.ExitCode, await stdout, await stderr), 1, expected);
    }
}
