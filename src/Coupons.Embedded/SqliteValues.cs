using System.Globalization;
using System.Text;
using Coupons.Core;
using Microsoft.Data.Sqlite;

namespace Coupons.Embedded;

/// <summary>How values look in the database's columns, for the ADO.NET reads and writes (the native ones mirror it).</summary>
internal static class SqliteValues
{
    /// <summary>Ids are stored big-endian, so that the byte order of version-7 ids is their time order.</summary>
    public static byte[] ToBytes(Guid id) => id.ToByteArray(bigEndian: true);

    /// <remarks>Read as a whole value: <c>GetBytes</c> would open SQLite's incremental blob I/O for every call.</remarks>
    public static Guid ReadGuid(SqliteDataReader reader, int ordinal) => new(reader.GetFieldValue<byte[]>(ordinal), bigEndian: true);

    public static string? NullableString(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static long? NullableInt64(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    /// <summary>A campaign's refusal counts as stored in <c>campaigns.rejected</c>: <c>code=count;</c> for each code.</summary>
    public static string FormatRejected(Dictionary<string, long> rejected)
    {
        var text = new StringBuilder();
        foreach (var (code, count) in rejected)
        {
            text.Append(code).Append('=').Append(count.ToString(CultureInfo.InvariantCulture)).Append(';');
        }

        return text.ToString();
    }

    /// <summary>Reads <see cref="FormatRejected"/>'s text back; codes this build does not know are skipped.</summary>
    public static IEnumerable<(Outcome Outcome, long Count)> ParseRejected(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            yield break;
        }

        var byCode = OutcomeCodes.Refusals.ToDictionary(outcome => outcome.ToCode());
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0
                && byCode.TryGetValue(part[..equals], out var outcome)
                && long.TryParse(part.AsSpan(equals + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                yield return (outcome, count);
            }
        }
    }
}
