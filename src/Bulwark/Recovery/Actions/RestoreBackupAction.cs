using System.Globalization;
using System.Security.Cryptography;

namespace Bulwark.Recovery.Actions;

/// <summary>
/// Restores a file or a directory from a backup. Every file of the backup must be listed in the manifest (the output
/// of <c>sha256sum</c>, paths relative to the backup) with a matching SHA-256, and every listed file must exist; the copy
/// is staged beside the target, checked again, and only then swapped in with one rename (directories: an atomic
/// exchange). A backup that fails any check is refused and the target is left as it was.
/// </summary>
internal sealed class RestoreBackupAction(string source, string target, string manifest) : IRecoveryAction
{
    public string Describe() =>
        $"restore {Path.GetFullPath(source)} -> {Path.GetFullPath(target)} (sha256 checked against {Path.GetFullPath(manifest)}, replaced atomically)";

    public async Task<string> RunAsync(ActionContext context, CancellationToken cancellationToken)
    {
        var expected = await ReadManifestAsync(cancellationToken).ConfigureAwait(false);
        var isDirectory = Directory.Exists(source);
        if (!isDirectory && !File.Exists(source))
        {
            throw new RecoveryActionException($"backup {source} does not exist");
        }

        var files = isDirectory ? ListFiles(source) : [Path.GetFileName(source)];
        await VerifyAsync(isDirectory ? source : Path.GetDirectoryName(Path.GetFullPath(source))!, files, expected, "backup", cancellationToken).ConfigureAwait(false);

        var fullTarget = Path.TrimEndingDirectorySeparator(Path.GetFullPath(target));
        var staging = Path.Combine(Path.GetDirectoryName(fullTarget)!, $".{Path.GetFileName(fullTarget)}.restore-{Guid.NewGuid():N}");
        long bytes = 0;
        try
        {
            if (isDirectory)
            {
                Directory.CreateDirectory(staging);
                foreach (var file in files)
                {
                    var to = Path.Combine(staging, file);
                    Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                    File.Copy(Path.Combine(source, file), to);
                    bytes += new FileInfo(to).Length;
                }

                await VerifyAsync(staging, files, expected, "staged copy", cancellationToken).ConfigureAwait(false);
                Swap(staging, fullTarget);
            }
            else
            {
                File.Copy(source, staging);
                bytes = new FileInfo(staging).Length;
                var name = Path.GetFileName(source);
                await VerifyFileAsync(staging, expected[name], name, "staged copy", cancellationToken).ConfigureAwait(false);
                Posix.Rename(staging, fullTarget);
            }
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
            else if (File.Exists(staging))
            {
                File.Delete(staging);
            }
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"restored {files.Count} file(s), {bytes} bytes, from {Path.GetFullPath(source)} to {fullTarget}; every SHA-256 matched {Path.GetFileName(manifest)}");
    }

    /// <summary>Puts the staged directory in place; afterwards the staging path holds the old content, deleted by the caller.</summary>
    private static void Swap(string staging, string target)
    {
        if (!Directory.Exists(target) && !File.Exists(target))
        {
            Posix.Rename(staging, target);
            return;
        }

        if (Posix.TryExchange(staging, target))
        {
            return;
        }

        // A file system without RENAME_EXCHANGE: two renames, the old one kept until the new one is in place.
        var old = staging + ".old";
        Posix.Rename(target, old);
        Posix.Rename(staging, target);
        Posix.Rename(old, staging);
    }

    private async Task<Dictionary<string, string>> ReadManifestAsync(CancellationToken cancellationToken)
    {
        string[] lines;
        try
        {
            lines = await File.ReadAllLinesAsync(manifest, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new RecoveryActionException($"cannot read manifest {manifest}: {ex.Message}");
        }

        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Trim().Length == 0)
            {
                continue;
            }

            // sha256sum: 64 hex digits, a space, then ' ' (text) or '*' (binary), then the path.
            if (line.Length < 67 || line[64] != ' ' || line[65] is not (' ' or '*') || !line[..64].All(char.IsAsciiHexDigit))
            {
                throw new RecoveryActionException(string.Create(CultureInfo.InvariantCulture, $"manifest {manifest} line {i + 1} is not 'SHA256  PATH' (sha256sum output)"));
            }

            var relative = line[66..];
            if (relative.StartsWith("./", StringComparison.Ordinal))
            {
                relative = relative[2..];
            }

            if (Path.IsPathRooted(relative) || relative.Split('/').Any(p => p is ".." or ""))
            {
                throw new RecoveryActionException(string.Create(CultureInfo.InvariantCulture, $"manifest {manifest} line {i + 1}: '{relative}' must be a path inside the backup"));
            }

            if (!entries.TryAdd(relative, line[..64].ToLowerInvariant()))
            {
                throw new RecoveryActionException(string.Create(CultureInfo.InvariantCulture, $"manifest {manifest} line {i + 1}: '{relative}' is listed twice"));
            }
        }

        if (entries.Count == 0)
        {
            throw new RecoveryActionException($"manifest {manifest} lists no file");
        }

        return entries;
    }

    private static List<string> ListFiles(string directory)
    {
        var files = new List<string>();
        var pending = new Stack<DirectoryInfo>();
        pending.Push(new DirectoryInfo(directory));
        while (pending.Count > 0)
        {
            foreach (var entry in pending.Pop().EnumerateFileSystemInfos())
            {
                if (entry.LinkTarget is not null)
                {
                    throw new RecoveryActionException($"backup holds a symlink ({entry.FullName} -> {entry.LinkTarget}); only regular files and directories are restored");
                }

                if (entry is DirectoryInfo child)
                {
                    pending.Push(child);
                }
                else
                {
                    files.Add(Path.GetRelativePath(directory, entry.FullName).Replace(Path.DirectorySeparatorChar, '/'));
                }
            }
        }

        files.Sort(StringComparer.Ordinal);
        return files;
    }

    private static async Task VerifyAsync(string directory, IReadOnlyCollection<string> files, Dictionary<string, string> expected, string what, CancellationToken cancellationToken)
    {
        var unlisted = files.Where(f => !expected.ContainsKey(f)).ToList();
        if (unlisted.Count > 0)
        {
            throw new RecoveryActionException($"{what} has file(s) the manifest does not list: {string.Join(", ", unlisted.Take(5))}; refused");
        }

        var missing = expected.Keys.Where(k => !files.Contains(k)).ToList();
        if (missing.Count > 0)
        {
            throw new RecoveryActionException($"{what} lacks file(s) the manifest lists: {string.Join(", ", missing.Take(5))}; refused");
        }

        foreach (var file in files)
        {
            await VerifyFileAsync(Path.Combine(directory, file), expected[file], file, what, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task VerifyFileAsync(string path, string expected, string name, string what, CancellationToken cancellationToken)
    {
        var stream = File.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            var actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
            if (actual != expected)
            {
                throw new RecoveryActionException($"{what}: {name} has SHA-256 {actual}, the manifest says {expected}; refused, nothing replaced");
            }
        }
    }
}
