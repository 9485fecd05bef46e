using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Coupons.Embedded;

/// <summary>
/// The few SQLite calls made per row, straight into the bundled library: those recovery makes to
/// read ten million rows, and those the writer makes to store each change. Going through
/// <c>SQLitePCL.raw</c> marshals the statement's safe handle on every call, which was most of the
/// time spent reading; ADO.NET's command and parameters cost the writer over a kilobyte of garbage
/// per row. The getters and the number binders are short and never call back, so they skip the GC
/// transition.
/// </summary>
internal static unsafe partial class SqliteNative
{
    private const string Library = "e_sqlite3";

    [LibraryImport(Library)]
    public static partial int sqlite3_step(IntPtr statement);

    [LibraryImport(Library), SuppressGCTransition]
    public static partial long sqlite3_column_int64(IntPtr statement, int column);

    [LibraryImport(Library), SuppressGCTransition]
    public static partial int sqlite3_column_int(IntPtr statement, int column);

    [LibraryImport(Library), SuppressGCTransition]
    public static partial byte* sqlite3_column_blob(IntPtr statement, int column);

    [LibraryImport(Library), SuppressGCTransition]
    public static partial int sqlite3_column_bytes(IntPtr statement, int column);

    [LibraryImport(Library), SuppressGCTransition]
    public static partial int sqlite3_column_type(IntPtr statement, int column);

    /// <summary>Tells <c>sqlite3_bind_blob</c> and <c>sqlite3_bind_text</c> to copy the value before they return.</summary>
    public static readonly IntPtr Transient = new(-1);

    [LibraryImport(Library)]
    public static partial int sqlite3_prepare_v3(IntPtr db, byte* sql, int bytes, uint flags, out IntPtr statement, IntPtr tail);

    [LibraryImport(Library)]
    public static partial int sqlite3_finalize(IntPtr statement);

    [LibraryImport(Library)]
    public static partial int sqlite3_reset(IntPtr statement);

    [LibraryImport(Library), SuppressGCTransition]
    public static partial int sqlite3_bind_int64(IntPtr statement, int index, long value);

    [LibraryImport(Library), SuppressGCTransition]
    public static partial int sqlite3_bind_null(IntPtr statement, int index);

    [LibraryImport(Library)]
    public static partial int sqlite3_bind_blob(IntPtr statement, int index, byte* value, int bytes, IntPtr destructor);

    [LibraryImport(Library)]
    public static partial int sqlite3_bind_text(IntPtr statement, int index, byte* value, int bytes, IntPtr destructor);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> Blob(IntPtr statement, int column)
    {
        // sqlite3_column_bytes after sqlite3_column_blob, as SQLite's documentation asks.
        var pointer = sqlite3_column_blob(statement, column);
        return new ReadOnlySpan<byte>(pointer, sqlite3_column_bytes(statement, column));
    }
}
