using Coupons.Redis.Layout;
using Npgsql;
using NpgsqlTypes;

namespace Coupons.Postgres;

/// <summary>
/// What the code events become (on shard 0, with the campaigns): a generation step's codes of one
/// partition inserted as one statement (arrays, so a million codes are a thousand statements, not a
/// million), never over a code already stored; a claim upserted with the code's whole row, so it
/// lands whichever of the two events is stored first.
/// </summary>
internal static class CodeRows
{
    private const string InsertCodes = """
        INSERT INTO codes (hash, campaign_id, job_id, index, sealed)
        SELECT code.hash, $1, $2, code.index, code.sealed FROM unnest($3::text[], $4::bigint[], $5::bytea[]) AS code (hash, index, sealed)
        ON CONFLICT (hash) DO NOTHING
        """;

    private const string UpsertClaim = """
        INSERT INTO codes (hash, campaign_id, job_id, index, sealed, user_id, coupon_id, claimed_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (hash) DO UPDATE SET user_id = excluded.user_id, coupon_id = excluded.coupon_id, claimed_at = excluded.claimed_at
        WHERE codes.coupon_id IS NULL
        """;

    public static NpgsqlBatchCommand Of(StreamEvent change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var fields = change.Values;
        if (change.Kind == EventKind.CodesAdded)
        {
            var codes = CodeEvents.AddedCodes(fields).ToList();
            var command = new NpgsqlBatchCommand(InsertCodes);
            command.Parameters.Add(new NpgsqlParameter { Value = fields.Id(StreamEvent.Fields.Campaign) });
            command.Parameters.Add(new NpgsqlParameter { Value = fields.Id(CodeEvents.Job) });
            command.Parameters.Add(new NpgsqlParameter { Value = codes.Select(c => c.Hash).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = codes.Select(c => c.Index).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
            command.Parameters.Add(new NpgsqlParameter
            {
                Value = codes.Select(c => Convert.FromBase64String(c.Sealed)).ToArray(),
                NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea,
            });
            return command;
        }

        var claim = new NpgsqlBatchCommand(UpsertClaim);
        foreach (var value in new object[]
        {
            fields.Text(CodeEvents.Code), fields.Id(StreamEvent.Fields.Campaign), fields.Id(CodeEvents.Job), fields.Number(CodeEvents.Index),
            Convert.FromBase64String(fields.Text(CodeEvents.Sealed)), fields.Text(CodeEvents.User), fields.Id(CodeEvents.Coupon), fields.Number(CodeEvents.ClaimedAt),
        })
        {
            claim.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return claim;
    }
}
