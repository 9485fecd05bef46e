using System.Buffers;
using System.Text;
using Coupons.Core.Codes;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Coupons.Embedded;

/// <summary>
/// A statement the writer runs for every batch or every row, prepared once and bound through
/// SQLite's own API: no command, parameter, boxed value or transaction object per use. Shares the
/// batch writer's connection; used by one thread at a time.
/// </summary>
internal sealed unsafe class NativeStatement : IDisposable
{
    private const uint PreparePersistent = 0x01;

    private readonly SqliteConnection _connection;
    private readonly IntPtr _statement;

    public NativeStatement(SqliteConnection connection, string sql)
    {
        _connection = connection;
        var text = Encoding.UTF8.GetBytes(sql);
        fixed (byte* bytes = text)
        {
            Check(SqliteNative.sqlite3_prepare_v3(_connection.Handle!.DangerousGetHandle(), bytes, text.Length, PreparePersistent, out _statement, IntPtr.Zero));
        }
    }

    /// <summary>Runs the statement with the values bound since the last run; they are cleared after.</summary>
    public void Execute()
    {
        try
        {
            var step = SqliteNative.sqlite3_step(_statement);
            if (step != raw.SQLITE_DONE)
            {
                Check(step);
            }
        }
        finally
        {
            // A statement left un-reset keeps a hold on the transaction.
            SqliteNative.sqlite3_reset(_statement);
        }
    }

    public void Bind(int index, long value) => Check(SqliteNative.sqlite3_bind_int64(_statement, index, value));

    /// <summary>A number, or NULL.</summary>
    public void Bind(int index, long? value) =>
        Check(value is { } number ? SqliteNative.sqlite3_bind_int64(_statement, index, number) : SqliteNative.sqlite3_bind_null(_statement, index));

    /// <summary>Ids are stored big-endian, so that the byte order of version-7 ids is their time order.</summary>
    public void Bind(int index, Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        fixed (byte* value = bytes)
        {
            Check(SqliteNative.sqlite3_bind_blob(_statement, index, value, bytes.Length, SqliteNative.Transient));
        }
    }

    public void Bind(int index, ReadOnlySpan<byte> blob)
    {
        fixed (byte* value = blob)
        {
            Check(SqliteNative.sqlite3_bind_blob(_statement, index, value, blob.Length, SqliteNative.Transient));
        }
    }

    /// <summary>A code's lookup hash as its 16 big-endian bytes.</summary>
    public void Bind(int index, CodeHash hash)
    {
        Span<byte> bytes = stackalloc byte[CodeHash.Bytes];
        hash.Write(bytes);
        Bind(index, (ReadOnlySpan<byte>)bytes);
    }

    /// <summary>Binds text as UTF-8, or NULL.</summary>
    public void Bind(int index, string? text)
    {
        if (text is null)
        {
            Check(SqliteNative.sqlite3_bind_null(_statement, index));
            return;
        }

        // Ids and keys are a few hundred bytes at most (see StoreLimits); the pool covers anything longer.
        var length = Encoding.UTF8.GetMaxByteCount(text.Length);
        byte[]? rented = null;
        Span<byte> buffer = length <= 1024 ? stackalloc byte[1024] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(text, buffer);
            fixed (byte* value = buffer)
            {
                Check(SqliteNative.sqlite3_bind_text(_statement, index, value, written, SqliteNative.Transient));
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    public void Dispose() => SqliteNative.sqlite3_finalize(_statement);

    private void Check(int result)
    {
        if (result != raw.SQLITE_OK)
        {
            throw new SqliteException(raw.sqlite3_errmsg(_connection.Handle).utf8_to_string(), result);
        }
    }
}
