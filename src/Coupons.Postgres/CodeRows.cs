using Coupons.Redis.Layout;
using Npgsql;
using NpgsqlTypes;

namespace Coupons.Postgres;

/// <summary>
/// What the code events become (on shard 0, with the campaigns): the generated codes of every event
/// of a batch copied in by one binary COPY (a million codes are a few hundred copies, not a million
/// statements), or, when one of them is already stored (an event delivered again), inserted by one
/// statement that passes over those; a claim upserted with the code's whole row, so it lands
/// whichever of the two events is stored first.
/// </summary>
internal static class CodeRows
{
    private const string Copy = "COPY codes (hash, campaign_id, job_id, index, sealed) FROM STDIN (FORMAT BINARY)";

    private const string InsertCodes = """
        INSERT INTO codes (hash, campaign_id, job_id, index, sealed)
        SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::bigint[], $5::bytea[])
        ON CONFLICT (campaign_id, job_id, index) DO NOTHING
        """;

    private const string UpsertClaim = """
        INSERT INTO codes (hash, campaign_id, job_id, index, sealed, user_id, coupon_id, claimed_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (campaign_id, job_id, index) DO UPDATE SET user_id = excluded.user_id, coupon_id = excluded.coupon_id, claimed_at = excluded.claimed_at
        WHERE codes.coupon_id IS NULL
        """;

    public static void AddTo(ShardCommands commands, StreamEvent change)
    {
        ArgumentNullException.ThrowIfNull(commands);
        ArgumentNullException.ThrowIfNull(change);
        var fields = change.Values;
        if (change.Kind == EventKind.CodesAdded)
        {
            var (campaign, job) = (fields.Id(StreamEvent.Fields.Campaign), fields.Id(CodeEvents.Job));
            foreach (var (hash, index, sealedCode) in CodeEvents.AddedCodes(fields))
            {
                commands.Codes.Add((hash, campaign, job, index, Convert.FromBase64String(sealedCode)));
            }

            return;
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

        commands.Add(claim);
    }

    /// <summary>Copies in every generated code of a batch; fails (unique violation) if any is already stored.</summary>
    public static async Task CopyAsync(NpgsqlConnection connection, List<(string Hash, Guid Campaign, Guid Job, long Index, byte[] Sealed)> codes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(codes);
        await using var copy = await connection.BeginBinaryImportAsync(Copy, cancellationToken).ConfigureAwait(false);
        foreach (var (hash, campaign, job, index, sealedCode) in codes)
        {
            await copy.StartRowAsync(cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync(hash, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync(campaign, NpgsqlDbType.Uuid, cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync(job, NpgsqlDbType.Uuid, cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync(index, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync(sealedCode, NpgsqlDbType.Bytea, cancellationToken).ConfigureAwait(false);
        }

        await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The one statement inserting every generated code of a batch not stored yet.</summary>
    public static NpgsqlBatchCommand Insert(List<(string Hash, Guid Campaign, Guid Job, long Index, byte[] Sealed)> codes)
    {
        var command = new NpgsqlBatchCommand(InsertCodes);
        command.Parameters.Add(new NpgsqlParameter { Value = codes.Select(c => c.Hash).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = codes.Select(c => c.Campaign).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = codes.Select(c => c.Job).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = codes.Select(c => c.Index).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = codes.Select(c => c.Sealed).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        return command;
    }
}

/// <summary>What one shard's transaction of a batch holds: its rows' commands, and the generated codes, stored first.</summary>
internal sealed class ShardCommands
{
    private readonly List<NpgsqlBatchCommand> _commands = [];

    public List<(string Hash, Guid Campaign, Guid Job, long Index, byte[] Sealed)> Codes { get; } = [];

    public void Add(NpgsqlBatchCommand command) => _commands.Add(command);

    /// <summary>The commands, with the codes' insert first unless they were copied in.</summary>
    public IEnumerable<NpgsqlBatchCommand> Finish(bool codesCopied) => Codes.Count == 0 || codesCopied ? _commands : [CodeRows.Insert(Codes), .. _commands];
}
