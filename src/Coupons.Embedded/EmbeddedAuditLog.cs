using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Coupons.Core;
using Microsoft.Data.Sqlite;

namespace Coupons.Embedded;

/// <summary>
/// The embedded store's audit log: the <c>audit</c> table of its database. The store's own changes
/// write their audit rows in the same transaction as the change (<see cref="LogRecord"/>); changes
/// kept outside the store (blocklist, fraud flags) are appended here, through the same group commit.
/// Queries read on a read-only connection of their own.
/// </summary>
public sealed class EmbeddedAuditLog : IAuditLog
{
    private readonly EmbeddedCouponStore _store;
    private readonly UserIndex _users;
    private readonly string _databasePath;
    private readonly TimeProvider _time;

    internal EmbeddedAuditLog(EmbeddedCouponStore store, UserIndex users, string databasePath, TimeProvider time)
    {
        _store = store;
        _users = users;
        _databasePath = databasePath;
        _time = time;
    }

    public async ValueTask AppendAsync(string action, string subject, string? before, string? after, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var log = _store.OpenLogOrThrow();
        var note = new AuditNote(AuditScope.Current, _time.GetUtcNow().ToUnixTimeMilliseconds(), action, subject, null, null, null, before, after);
        var sequence = log.Append(LogRecord.ForAudit(note));
        await log.WhenDurableAsync(sequence, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<(IReadOnlyList<AuditEntry> Items, string? NextCursor)> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        cancellationToken.ThrowIfCancellationRequested();
        long? before = null;
        if (query.Cursor is not null)
        {
            // The cursor is the sequence number of the last entry given.
            before = long.TryParse(query.Cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
                ? sequence
                : throw new ArgumentException("not a cursor of this store", nameof(query));
        }

        _store.OpenLogOrThrow();
        try
        {
            var entries = SqliteAuditReader.Query(
                _databasePath, query, before, query.Limit + 1, CouponIdsJson(query.Owner), CouponIdsJson(query.ActorId));
            var next = entries.Count > query.Limit ? entries[query.Limit - 1].Id : null;
            return ValueTask.FromResult<(IReadOnlyList<AuditEntry>, string?)>((entries.Count > query.Limit ? entries[..query.Limit] : entries, next));
        }
        catch (SqliteException exception)
        {
            throw new StorageUnavailableException("the audit log cannot be read: " + exception.Message, exception);
        }
    }

    /// <summary>The ids of a user's coupons as a JSON array (for the audit queries), from memory; null for no user.</summary>
    private string? CouponIdsJson(string? userId) =>
        userId is null
            ? null
            : JsonSerializer.Serialize(_users.CouponsOf(userId).Select(coupon => coupon.Id.ToString()).ToList(), CouponIdsJsonContext.Default.ListString);
}

[JsonSerializable(typeof(List<string>))]
internal sealed partial class CouponIdsJsonContext : JsonSerializerContext;
