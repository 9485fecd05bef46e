using System.Globalization;
using Coupons.Core;
using Microsoft.Data.Sqlite;

namespace Coupons.Embedded.Tests;

/// <summary>
/// Holds SQLite's write lock from another connection, so the store's writer blocks on the batch it
/// took (a claim by user "blocker"), and fills the one free place in the queue with a claim by a
/// "probe-N" user: the next change is refused as overloaded. Needs MaxPendingChanges = 1, which is
/// also how it knows, without timing, that the writer has taken the blocker's batch.
/// </summary>
internal sealed class WriterBlock
{
    private readonly SqliteConnection _connection;
    private readonly List<Task<CouponResult>> _pending;

    private WriterBlock(SqliteConnection connection, List<Task<CouponResult>> pending)
    {
        _connection = connection;
        _pending = pending;
    }

    public static async Task<WriterBlock> StartAsync(TestStore test, Guid campaignId)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = test.Options(null).DatabasePath,
            Pooling = false,
        }.ToString());
        connection.Open();
        Execute(connection, "BEGIN IMMEDIATE;");

        // The writer takes this claim's batch and waits for the lock.
        var pending = new List<Task<CouponResult>> { test.Store.ClaimAsync(campaignId, "blocker", null).AsTask() };

        // A probe is appended only once the writer has taken the blocker's batch (the queue holds one change).
        for (var attempt = 0; ; attempt++)
        {
            var probe = test.Store.ClaimAsync(campaignId, "probe-" + attempt.ToString(CultureInfo.InvariantCulture), null).AsTask();
            if (!probe.IsFaulted)
            {
                Assert.False(probe.IsCompleted, "the probe claim should wait for the blocked writer");
                pending.Add(probe);
                return new WriterBlock(connection, pending);
            }

            Assert.IsType<OverloadedException>(probe.Exception!.InnerException);
            Assert.True(attempt < 500, "the writer never took the blocker's batch");
            await Task.Delay(10);
        }
    }

    /// <summary>Lets the writer go on; the blocker's and the probe's claims then complete.</summary>
    public async Task ReleaseAsync()
    {
        Execute(_connection, "ROLLBACK;");
        _connection.Dispose();
        var results = await Task.WhenAll(_pending);
        Assert.All(results, r => Assert.Equal(Outcome.Ok, r.Outcome));
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
