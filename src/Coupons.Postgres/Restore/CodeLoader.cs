using Coupons.Core.Codes;
using Coupons.Redis.Layout;
using Npgsql;
using StackExchange.Redis;

namespace Coupons.Postgres.Restore;

/// <summary>
/// Codes back into their partitions' indexes (shard 0): each campaign's shared code, every generated
/// code with its claim, and each campaign's list of generated codes (<see cref="CodeList"/>), read in
/// the order the table keeps them (campaign, job, index), so a list's chunk is written whole once.
/// One HSET a partition a window, one SETRANGE a chunk. Reservations under way were never stored:
/// they are gone, and their codes available again.
/// </summary>
internal sealed class CodeLoader(IDatabase db, RedisKeys keys)
{
    private const int Window = 20_000;

    private const string Select = "SELECT hash, campaign_id, job_id, index, sealed, user_id, coupon_id, claimed_at FROM codes ORDER BY campaign_id, job_id, index";

    private readonly Dictionary<RedisKey, List<HashEntry>> _entries = [];
    private readonly List<Task> _sent = [];
    private (Guid Campaign, Guid Job, long Chunk) _chunk = (Guid.Empty, Guid.Empty, -1);
    private readonly byte[] _slots = new byte[CodeList.ChunkSize * CodeList.SlotBytes];
    private (int From, int To) _written = (int.MaxValue, 0);

    /// <summary>The slots of the code partitions that hold a code: their streams are the persisters' to read once codes are claimed there.</summary>
    public HashSet<int> Slots { get; } = [];

    /// <summary>Generated codes written.</summary>
    public long Restored { get; private set; }

    public void AddShared(RestoredCampaign campaign)
    {
        if (campaign.Record.Definition.Code is { } code)
        {
            Put(RedisKeys.CodeSlot(code.Hash), keys.Codes, code.Hash.ToText(), CodeRecord.Shared(campaign.Record.Id, campaign.Record.CreatedAtMs));
        }
    }

    public async Task LoadAsync(string shard, CancellationToken cancellationToken)
    {
        await using var connection = await CampaignRows.OpenAsync(shard, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(Select, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var (hashText, campaign, job, index) = (reader.GetString(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetInt64(3));
            var hash = CodeHash.ParseText(hashText);
            var slot = RedisKeys.CodeSlot(hash);
            Put(slot, keys.Codes, hashText, CodeRecord.Generated(campaign, job, index, Convert.ToBase64String(reader.GetFieldValue<byte[]>(4))));
            if (!reader.IsDBNull(6))
            {
                Put(slot, keys.CodeClaims, hashText, CodeClaim.ClaimedText(reader.GetInt64(7), reader.GetGuid(6), reader.GetString(5)));
            }

            List(campaign, job, index, hash);
            if (++Restored % Window == 0)
            {
                await FlushAsync().ConfigureAwait(false);
            }
        }

        WriteChunk();
        await FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Sends what is gathered and waits for it.</summary>
    public async Task FlushAsync()
    {
        foreach (var (key, entries) in _entries)
        {
            _sent.Add(db.HashSetAsync(key, [.. entries]));
        }

        _entries.Clear();
        await Task.WhenAll(_sent).ConfigureAwait(false);
        _sent.Clear();
    }

    private void Put(int slot, Func<int, string> key, string field, string value)
    {
        Slots.Add(slot);
        if (!_entries.TryGetValue(key(slot), out var entries))
        {
            entries = [];
            _entries[key(slot)] = entries;
        }

        entries.Add(new HashEntry(field, value));
    }

    /// <summary>Puts the code's hash in its slot of its campaign's list, writing the chunk before when this one is another.</summary>
    private void List(Guid campaign, Guid job, long index, CodeHash hash)
    {
        var chunk = (campaign, job, CodeList.ChunkOf(index));
        if (chunk != _chunk)
        {
            WriteChunk();
            _chunk = chunk;
        }

        var offset = CodeList.OffsetOf(index);
        hash.Write(_slots.AsSpan(offset, CodeList.SlotBytes));
        _written = (Math.Min(_written.From, offset), Math.Max(_written.To, offset + CodeList.SlotBytes));
    }

    private void WriteChunk()
    {
        if (_written.To == 0)
        {
            return;
        }

        var (campaign, job, chunk) = _chunk;
        _sent.Add(db.StringSetRangeAsync(keys.CampaignCodeChunk(campaign, job, chunk), _written.From, _slots.AsSpan(_written.From.._written.To).ToArray()));
        _sent.Add(db.SortedSetAddAsync(keys.CampaignCodes(campaign), CodeList.Member(job, chunk), 0));
        Array.Clear(_slots);
        _written = (int.MaxValue, 0);
    }
}
