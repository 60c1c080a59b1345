using System.Globalization;

namespace Bulwark.Recovery;

/// <summary>How an exit reads: .NET reports a process ended by a signal as 128 + the signal.</summary>
internal static class ExitDescription
{
    public static string Of(int exitCode) => exitCode > 128 && exitCode < 128 + 32
        ? string.Create(CultureInfo.InvariantCulture, $"killed by {Signals.Name(exitCode - 128)} (exit code {exitCode})")
        : string.Create(CultureInfo.InvariantCulture, $"exit code {exitCode}");

    /// <summary>True for an exit the on-failure policy restarts: a non-zero code or a signal.</summary>
    public static bool IsFailure(int exitCode) => exitCode != 0;
}
