namespace Bulwark.Recovery;

/// <summary>Command lines as a person reads them, and whether a pid still runs a given command.</summary>
internal static class CommandLine
{
    /// <summary>Quotes an argument the way a POSIX shell would need it (for display only: nothing runs through a shell).</summary>
    public static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or ':' or '=' or ',' or '@' or '+' or '%')
            ? arg
            : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    public static string Format(string command, IEnumerable<string> args) =>
        string.Join(' ', new[] { command }.Concat(args).Select(Quote));

    /// <summary>True when /proc says <paramref name="pid"/> runs <paramref name="command"/> (same file name as its argv[0]).</summary>
    public static bool IsRunning(int pid, string command)
    {
        try
        {
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
            var first = cmdline.Split('\0', 2)[0];
            return string.Equals(Path.GetFileName(first), Path.GetFileName(command), StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
