using System.Runtime.InteropServices;

namespace Bulwark.Recovery;

/// <summary>The few system calls .NET has no API for: sending a signal, and renaming atomically over a link or a directory.</summary>
internal static partial class Posix
{
    /// <summary>renameat2 flag: swap the two paths atomically.</summary>
    private const uint RenameExchange = 2;

    /// <summary>AT_FDCWD: paths relative to the working directory.</summary>
    private const int AtFdCwd = -100;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false with the errno when it could not.</summary>
    public static bool TrySignal(int pid, int signal, out int errno)
    {
        errno = 0;
        if (pid <= 0)
        {
            // kill(0) and kill(-1) address groups and every process: never what a recovery step means.
            errno = 22;
            return false;
        }

        if (SysKill(pid, signal) == 0)
        {
            return true;
        }

        errno = Marshal.GetLastPInvokeError();
        return false;
    }

    /// <summary>rename(2): replaces <paramref name="to"/> by <paramref name="from"/> in one step (a link is moved itself, not followed).</summary>
    public static void Rename(string from, string to)
    {
        if (SysRename(from, to) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"rename {from} -> {to} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
    }

    /// <summary>
    /// renameat2(RENAME_EXCHANGE): swaps two existing paths in one step, so a directory is replaced with no moment where
    /// neither exists. False when the file system or kernel cannot (EINVAL, ENOSYS); throws on any other failure.
    /// </summary>
    public static bool TryExchange(string a, string b)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            if (SysRenameAt2(AtFdCwd, a, AtFdCwd, b, RenameExchange) == 0)
            {
                return true;
            }
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }

        var errno = Marshal.GetLastPInvokeError();
        if (errno is 22 or 38 or 95)
        {
            return false;
        }

        throw new IOException($"exchange {a} <-> {b} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
    }

    /// <summary>A description of an errno for messages.</summary>
    public static string Describe(int errno) => $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SysRename(string from, string to);

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SysRenameAt2(int fromDirectory, string from, int toDirectory, string to, uint flags);
}
