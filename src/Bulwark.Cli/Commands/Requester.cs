namespace Bulwark.Cli.Commands;

/// <summary>
/// The name recorded for <c>--by</c>: left out, the user name; given, it must name someone (not empty, at most 128
/// characters, no control characters), because an audit line with an empty name says nobody did it.
/// </summary>
internal static class Requester
{
    private const int MaxLength = 128;

    /// <summary>The error for <c>--by</c>, or null with <paramref name="who"/> set.</summary>
    public static string? Resolve(string? given, out string who)
    {
        who = given ?? Environment.UserName;
        if (given is null)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(given))
        {
            return "--by: must name someone; leave it out to record your user name";
        }

        if (given.Length > MaxLength)
        {
            return $"--by: at most {MaxLength} characters, got {given.Length}";
        }

        return given.Any(char.IsControl) ? "--by: must not hold control characters" : null;
    }
}
