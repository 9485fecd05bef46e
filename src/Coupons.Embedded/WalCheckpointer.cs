using Microsoft.Data.Sqlite;

namespace Coupons.Embedded;

/// <summary>
/// Moves committed pages from the WAL into the database file on its own connection and thread.
/// SQLite's automatic checkpoint would run inside a commit of the group-commit writer and stall
/// every waiting request for the length of a database fsync; a passive checkpoint from here never
/// blocks the writer, which keeps appending to the WAL meanwhile.
/// </summary>
internal sealed class WalCheckpointer : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly TimeSpan _interval;
    private readonly ManualResetEventSlim _stop = new();
    private readonly Thread _thread;

    public WalCheckpointer(string databasePath, TimeSpan interval)
    {
        _interval = interval;
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
        }.ToString());
        _connection.Open();
        _thread = new Thread(Run) { IsBackground = true, Name = "coupons-wal-checkpoint" };
        _thread.Start();
    }

    /// <summary>Checkpoints that could not run (the database was busy or the disk refused); they are retried.</summary>
    public long Failures { get; private set; }

    public void Dispose()
    {
        _stop.Set();
        _thread.Join();
        _stop.Dispose();
        _connection.Dispose();
    }

    private void Run()
    {
        while (!_stop.Wait(_interval))
        {
            try
            {
                using var command = _connection.CreateCommand();
                command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
                command.ExecuteNonQuery();
            }
            catch (SqliteException)
            {
                // The WAL keeps the data safe meanwhile; a disk that refuses writes fails the commits too.
                Failures++;
            }
        }
    }
}
