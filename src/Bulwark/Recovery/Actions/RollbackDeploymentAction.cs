namespace Bulwark.Recovery.Actions;

/// <summary>
/// Capistrano-style rollback: releases side by side in <c>DEPLOYMENT/releases/NAME</c>, the live one named by the
/// symlink <c>DEPLOYMENT/current</c>. The link is pointed at the release before the current one (names sort in deploy
/// order, as timestamps do) or at a named one, by creating a new link and renaming it over <c>current</c> in one step,
/// so a reader sees the old release or the new one, never none.
/// </summary>
internal sealed class RollbackDeploymentAction(string deployment, string? release) : IRecoveryAction
{
    public string Describe()
    {
        var root = Path.GetFullPath(deployment);
        return $"point {Path.Combine(root, "current")} at {(release is null ? "the release before the current one" : Path.Combine(root, "releases", release))} (atomic rename of a new link)";
    }

    public Task<string> RunAsync(ActionContext context, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(deployment);
        var releases = Path.Combine(root, "releases");
        var current = Path.Combine(root, "current");
        var link = new FileInfo(current);
        if (link.LinkTarget is not { } target)
        {
            throw new RecoveryActionException(File.Exists(current) || Directory.Exists(current)
                ? $"{current} is not a symlink; nothing switched"
                : $"{current} does not exist; nothing switched");
        }

        var live = Path.GetFileName(Path.TrimEndingDirectorySeparator(target));
        if (!Directory.Exists(releases))
        {
            throw new RecoveryActionException($"{releases} does not exist; nothing switched");
        }

        var names = new DirectoryInfo(releases).EnumerateDirectories()
            .Where(d => d.LinkTarget is null)
            .Select(d => d.Name)
            .Order(StringComparer.Ordinal)
            .ToList();
        string next;
        if (release is not null)
        {
            if (!names.Contains(release, StringComparer.Ordinal))
            {
                throw new RecoveryActionException($"no release {release} in {releases} (there are: {string.Join(", ", names)}); nothing switched");
            }

            next = release;
        }
        else
        {
            next = names.LastOrDefault(n => string.CompareOrdinal(n, live) < 0)
                ?? throw new RecoveryActionException($"no release before {live} in {releases}; nothing switched");
        }

        if (next == live)
        {
            return Task.FromResult($"{current} already points at releases/{live}");
        }

        var temporary = Path.Combine(root, $".current.{Guid.NewGuid():N}");
        File.CreateSymbolicLink(temporary, Path.Combine("releases", next));
        try
        {
            Posix.Rename(temporary, current);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }

        return Task.FromResult($"{current}: releases/{live} -> releases/{next}");
    }
}
