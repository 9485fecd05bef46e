using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace Coupons.Postgres;

/// <summary>
/// How a persister reads, bound from <c>Coupons:Postgres:Persister</c>: its consumer name (unique
/// per persister), batch size, and when it takes over another's entries.
/// </summary>
public sealed class PersisterSettings
{
    public const string Section = PostgresOptions.Section + ":Persister";

    [Required(AllowEmptyStrings = false, ErrorMessage = "Coupons:Postgres:Persister:Consumer must not be empty")]
    public string Consumer { get; set; } = Environment.MachineName + "-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

    [Range(1, 100_000, ErrorMessage = "Coupons:Postgres:Persister:BatchSize must be between 1 and 100000")]
    public int BatchSize { get; set; } = 512;

    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "Coupons:Postgres:Persister:TakeOverAfter must be between 0 and a day")]
    public TimeSpan TakeOverAfter { get; set; } = TimeSpan.FromSeconds(30);
}
