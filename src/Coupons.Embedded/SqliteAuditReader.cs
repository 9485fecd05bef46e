using System.Globalization;
using Coupons.Core;

namespace Coupons.Embedded;

/// <summary>Reads the audit table, on a read-only connection of each query's own (WAL lets it read while the writer writes).</summary>
internal static class SqliteAuditReader
{
    /// <summary>
    /// Reads audit entries, newest first. Every filter is optional. The subject filter uses its index;
    /// the owner filter uses the subject index with the ids of the owner's coupons
    /// (<paramref name="ownerCoupons"/>); the actor filter uses the index of entries by services,
    /// admins and the system, plus, for an end user, the subject index with their coupons' ids
    /// (<paramref name="actorCoupons"/>): an end user only ever changes their own coupons.
    /// </summary>
    public static List<AuditEntry> Query(string databasePath, AuditQuery query, long? beforeSequence, int limit, string? ownerCoupons, string? actorCoupons)
    {
        using var connection = SqliteSchema.OpenReadOnly(databasePath);
        using var command = connection.CreateCommand();
        var where = new List<string>();
        void Filter(string clause, string name, object? value)
        {
            if (value is not null)
            {
                where.Add(clause);
                command.Parameters.AddWithValue(name, value);
            }
        }

        Filter("subject = $subject", "$subject", query.Subject);
        if (query.ActorId is not null)
        {
            Filter(
                "seq IN (SELECT seq FROM audit WHERE actor_id = $actor AND actor_role <> 'user' UNION ALL "
                + "SELECT seq FROM audit WHERE subject IN (SELECT value FROM json_each($actorCoupons)) AND actor_id = $actor AND actor_role = 'user')",
                "$actor",
                query.ActorId);
            command.Parameters.AddWithValue("$actorCoupons", actorCoupons ?? "[]");
        }

        Filter("owner = $owner", "$owner", query.Owner);
        Filter("subject IN (SELECT value FROM json_each($ownerCoupons))", "$ownerCoupons", query.Owner is null ? null : ownerCoupons ?? "[]");
        Filter("campaign_id = $campaign", "$campaign", query.CampaignId is { } campaign ? SqliteValues.ToBytes(campaign) : null);
        Filter("action = $action", "$action", query.Action);
        Filter("at >= $from", "$from", query.FromMs);
        Filter("at < $to", "$to", query.ToMs);
        Filter("seq < $before", "$before", beforeSequence);
        command.CommandText = "SELECT seq, at, actor_id, actor_role, actor_ip, action, subject, campaign_id, owner, order_id, before, after FROM audit"
            + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : string.Empty)
            + " ORDER BY seq DESC LIMIT $limit";
        command.Parameters.AddWithValue("$limit", limit);
        var entries = new List<AuditEntry>(limit);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            entries.Add(new AuditEntry(
                reader.GetInt64(0).ToString(CultureInfo.InvariantCulture), reader.GetInt64(1), reader.GetString(2), reader.GetString(3),
                SqliteValues.NullableString(reader, 4), reader.GetString(5), reader.GetString(6),
                reader.IsDBNull(7) ? null : SqliteValues.ReadGuid(reader, 7), SqliteValues.NullableString(reader, 8),
                SqliteValues.NullableString(reader, 9), SqliteValues.NullableString(reader, 10), SqliteValues.NullableString(reader, 11)));
        }

        return entries;
    }
}
