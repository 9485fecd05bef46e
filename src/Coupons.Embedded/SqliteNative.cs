using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Coupons.Embedded;

/// <summary>
/// The few SQLite calls recovery makes per row, straight into the bundled library. Going through
/// <c>SQLitePCL.raw</c> marshals the statement's safe handle on every column read, which was most
/// of the time spent reading ten million rows. The column getters are short and never call back,
/// so they skip the GC transition. The statement is prepared, bound and finalized through
/// <c>SQLitePCL.raw</c> as everywhere else.
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> Blob(IntPtr statement, int column)
    {
        // sqlite3_column_bytes after sqlite3_column_blob, as SQLite's documentation asks.
        var pointer = sqlite3_column_blob(statement, column);
        return new ReadOnlySpan<byte>(pointer, sqlite3_column_bytes(statement, column));
    }
}
