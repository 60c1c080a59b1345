namespace Bulwark.Recovery;

/// <summary>Signal names a configuration may use, and their numbers on Linux.</summary>
internal static class Signals
{
    public const int Hup = 1;
    public const int Kill = 9;
    public const int Term = 15;

    private static readonly (string Name, int Number)[] Known =
    [
        ("SIGHUP", Hup), ("SIGINT", 2), ("SIGQUIT", 3), ("SIGKILL", Kill), ("SIGUSR1", 10), ("SIGUSR2", 12),
        ("SIGTERM", Term), ("SIGCONT", 18), ("SIGSTOP", 19),
    ];

    /// <summary>Every name accepted, for error messages.</summary>
    public static string Names { get; } = string.Join(", ", Known.Select(k => k.Name));

    /// <summary>Parses <c>SIGHUP</c> or <c>HUP</c> (any case).</summary>
    public static bool TryParse(string? name, out int number)
    {
        number = 0;
        if (string.IsNullOrWhiteSpace(name))
        {
            return false;
        }

        var trimmed = name.Trim().ToUpperInvariant();
        var full = trimmed.StartsWith("SIG", StringComparison.Ordinal) ? trimmed : "SIG" + trimmed;
        foreach (var (known, value) in Known)
        {
            if (known == full)
            {
                number = value;
                return true;
            }
        }

        return false;
    }

    /// <summary>The name of a signal number, or its number.</summary>
    public static string Name(int number)
    {
        foreach (var (name, value) in Known)
        {
            if (value == number)
            {
                return name;
            }
        }

        return number.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
