using System.Globalization;

namespace Bulwark.Recovery.Actions;

/// <summary>
/// Empties a directory that lies inside a configured root. Every directory from the root down to it must be a real
/// directory (a symlink anywhere on the way is refused), and inside it nothing is followed: a symlink is removed as a
/// link, never its target, so nothing outside the root is ever touched. The directory itself stays, empty.
/// </summary>
internal sealed class ClearCacheAction(string path, string root) : IRecoveryAction
{
    public string Describe() => $"empty {Path.GetFullPath(path)} (inside {Path.GetFullPath(root)}; symlinks removed as links, never followed)";

    public Task<string> RunAsync(ActionContext context, CancellationToken cancellationToken)
    {
        var directory = Resolve();
        var removed = new Counts();
        foreach (var entry in directory.EnumerateFileSystemInfos())
        {
            cancellationToken.ThrowIfCancellationRequested();
            Remove(entry, removed, cancellationToken);
        }

        return Task.FromResult(string.Create(CultureInfo.InvariantCulture,
            $"emptied {directory.FullName}: {removed.Files} file(s), {removed.Directories} directory(ies), {removed.Links} symlink(s) removed, {removed.Bytes} bytes"));
    }

    /// <summary>The directory, once every step from the root to it is known to be a real directory inside the root.</summary>
    private DirectoryInfo Resolve()
    {
        var top = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        if (!RecoveryOptionsValidator.IsInside(full, top))
        {
            throw new RecoveryActionException($"{full} is not inside the cache root {top}; nothing removed");
        }

        if (!Directory.Exists(top))
        {
            throw new RecoveryActionException($"cache root {top} does not exist; nothing removed");
        }

        var current = top;
        foreach (var part in Path.GetRelativePath(top, full).Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Where(p => p != "."))
        {
            current = Path.Combine(current, part);
            var step = new DirectoryInfo(current);
            if (step.LinkTarget is not null)
            {
                throw new RecoveryActionException($"{current} is a symlink (to {step.LinkTarget}); a cache is never cleared through a link; nothing removed");
            }

            if (!step.Exists)
            {
                throw new RecoveryActionException($"{current} does not exist (or is not a directory); nothing removed");
            }
        }

        return new DirectoryInfo(full);
    }

    private static void Remove(FileSystemInfo entry, Counts removed, CancellationToken cancellationToken)
    {
        if (entry.LinkTarget is not null)
        {
            // unlink(2) on the link itself: its target, file or directory, inside the root or not, is left alone.
            File.Delete(entry.FullName);
            removed.Links++;
            return;
        }

        if (entry is DirectoryInfo directory)
        {
            foreach (var child in directory.EnumerateFileSystemInfos())
            {
                cancellationToken.ThrowIfCancellationRequested();
                Remove(child, removed, cancellationToken);
            }

            directory.Delete(recursive: false);
            removed.Directories++;
            return;
        }

        var length = entry is FileInfo file ? file.Length : 0;
        entry.Delete();
        removed.Files++;
        removed.Bytes += length;
    }

    private sealed class Counts
    {
        public int Files;
        public int Directories;
        public int Links;
        public long Bytes;
    }
}
