using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Coupons.Embedded;

/// <summary>
/// Settings of the embedded store, bound from <c>Coupons:Embedded</c> (<see cref="SectionName"/>)
/// and checked when the host starts. The defaults are here and nowhere else.
/// </summary>
public sealed class EmbeddedStoreOptions
{
    /// <summary>The configuration section the settings are read from.</summary>
    public const string SectionName = "Coupons:Embedded";

    /// <summary>Folder of the SQLite database (created if missing).</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = SectionName + ":DataDir must name a folder")]
    public string DataDir { get; set; } = "data";

    /// <summary>
    /// Most changes waiting for the next commit. Beyond it writes are refused with 503
    /// <c>overloaded</c> instead of queueing without bound. With the batch being written (never
    /// larger), at most twice this many changes are in memory and not yet on disk.
    /// </summary>
    [Range(1, int.MaxValue, ErrorMessage = SectionName + ":MaxPendingChanges must be at least 1")]
    public int MaxPendingChanges { get; set; } = 100_000;

    /// <summary>
    /// How often lapsed locks and passed validities are swept into the stored state (also the
    /// longest the commit writer sleeps when idle). From a millisecond to 24 days, the longest a
    /// timer or a wait takes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "24.00:00:00", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true,
        ErrorMessage = SectionName + ":SweepInterval must be from 00:00:00.001 to 24.00:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Optional cap on the database size in SQLite pages (4 KiB each): past it writes fail as on a
    /// full disk, and the store stops taking writes. Unset means no cap.
    /// </summary>
    [Range(1L, long.MaxValue, ErrorMessage = SectionName + ":MaxPageCount must be at least 1 when set")]
    public long? MaxPageCount { get; set; }

    internal string DatabasePath => Path.Combine(DataDir, "coupons.db");

    /// <summary>The settings in <paramref name="configuration"/> (unchecked), for what lives beside the store's data, like the development signing key.</summary>
    public static EmbeddedStoreOptions From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.GetSection(SectionName).Get<EmbeddedStoreOptions>() ?? new EmbeddedStoreOptions();
    }

    /// <summary>
    /// The data folder alone, for what lives beside the store's data (keys, the blocklist, jobs):
    /// read without binding the other settings, whose bad values are the store's own check to report.
    /// </summary>
    public static string DataDirOf(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration[SectionName + ":" + nameof(DataDir)] ?? new EmbeddedStoreOptions().DataDir;
    }
}
