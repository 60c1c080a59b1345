namespace Bulwark.Storage;

/// <summary>
/// The store holds something this code must not read or write: a newer schema version, a file that is not a Bulwark
/// store, a malformed status row. The message names the file and says what to do; the store is left as it was.
/// </summary>
internal sealed class StoreUnreadableException : Exception
{
    public StoreUnreadableException()
    {
    }

    public StoreUnreadableException(string message)
        : base(message)
    {
    }

    public StoreUnreadableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>A store at another schema version (0: not a Bulwark store at all), refused before anything is written.</summary>
    internal static StoreUnreadableException Version(string path, long found) => new(found > SqliteEventStore.SchemaVersion
        ? $"{path} was written by a newer Bulwark (store schema version {found}; this one knows version {SqliteEventStore.SchemaVersion}): upgrade Bulwark, or point dataDirectory at another directory to start a new store"
        : $"{path} is not a Bulwark store (no schema version in it): point dataDirectory at a Bulwark data directory, or move the file away to start a new store");
}
