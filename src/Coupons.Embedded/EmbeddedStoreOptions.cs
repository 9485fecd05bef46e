namespace Coupons.Embedded;

/// <summary>Settings of the embedded store, bound from <c>Coupons:Embedded</c>.</summary>
public sealed class EmbeddedStoreOptions
{
    /// <summary>Folder of the SQLite database (created if missing).</summary>
    public string DataDir { get; set; } = "data";

    /// <summary>
    /// Most changes waiting for the next commit. Beyond it writes are refused with 503
    /// <c>overloaded</c> instead of queueing without bound. With the batch being written (never
    /// larger), at most twice this many changes are in memory and not yet on disk.
    /// </summary>
    public int MaxPendingChanges { get; set; } = 100_000;

    /// <summary>How often lapsed locks and passed validities are swept into the stored state.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Optional cap on the database size in SQLite pages (4 KiB each): past it writes fail as on a
    /// full disk, and the store stops taking writes. Unset means no cap.
    /// </summary>
    public long? MaxPageCount { get; set; }

    internal string DatabasePath => Path.Combine(DataDir, "coupons.db");
}
