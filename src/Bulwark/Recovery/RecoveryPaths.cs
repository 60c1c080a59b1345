namespace Bulwark.Recovery;

/// <summary>Where the recovery system keeps files under the data directory.</summary>
internal static class RecoveryPaths
{
    /// <summary>Pid files and output logs of supervised processes.</summary>
    public const string Folder = "processes";
}
