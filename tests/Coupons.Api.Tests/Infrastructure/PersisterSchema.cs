using Npgsql;

namespace Coupons.Api.Tests;

/// <summary>What a test reading a shard the persister writes to should wait out rather than fail on.</summary>
public static class PersisterSchema
{
    /// <summary>
    /// The persister applies the schema in the background, one migration per transaction: a test can
    /// read a shard before a table exists, or after the first migration and before a later one adds a
    /// column.
    /// </summary>
    public static bool NotYetApplied(PostgresException exception) =>
        exception.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.UndefinedColumn;
}
