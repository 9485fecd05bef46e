using Coupons.Core;
using Coupons.Redis.Layout;
using StackExchange.Redis;

namespace Coupons.Redis;

/// <summary>
/// create.lua's arguments: KEYS 1 the campaign, 2 bucket 0, 3 the campaign slot's event stream;
/// ARGV 1 campaign id, 2 total stock, 3 per-user limit, 4 created at, 5 number of buckets,
/// 6 bucket 0's share of the stock, 7 the audit field, then the definition as field, value pairs.
/// </summary>
internal readonly record struct CreateArguments(
    Guid CampaignId, CampaignDefinition Definition, long TotalStock, long CreatedAtMs, int Buckets, long FirstBucketStock, string Audit)
{
    public Task<RedisResult> RunAsync(IDatabaseAsync db, RedisKeys keys) => Script.Create.RunAsync(
        db,
        [keys.Campaign(CampaignId), keys.Bucket(CampaignId, 0), keys.Events(RedisKeys.CampaignSlot(CampaignId))],
        [
            RedisKeys.Id(CampaignId), TotalStock, Definition.PerUserLimit, CreatedAtMs, Buckets, FirstBucketStock, Audit,
            .. CampaignRecord.DefinitionFields(Definition),
        ]);
}

/// <summary>setstatus.lua's arguments: KEYS 1 one of the campaign's other buckets; ARGV 1 the status.</summary>
internal readonly record struct BucketStatusArguments(Guid CampaignId, int Bucket, string Status)
{
    public Task<RedisResult> RunAsync(IDatabaseAsync db, RedisKeys keys) =>
        Script.SetStatus.RunAsync(db, [keys.Bucket(CampaignId, Bucket)], [Status]);
}

/// <summary>
/// status.lua's arguments: KEYS 1 the campaign, 2 bucket 0, 3 the campaign slot's event stream;
/// ARGV 1 campaign id, 2 the target status, 3 the audit field.
/// </summary>
internal readonly record struct StatusArguments(Guid CampaignId, CampaignStatus Target, string Audit)
{
    public Task<CampaignScriptAnswer> RunAsync(IDatabaseAsync db, RedisKeys keys) =>
        CampaignScriptAnswer.RunAsync(Script.Status, db, keys, CampaignId, [RedisKeys.Id(CampaignId), WireNames.Of(Target), Audit]);
}

/// <summary>
/// stock.lua's arguments: KEYS as status.lua's; ARGV 1 campaign id, 2 the stock to add, 3 the most
/// stock a campaign may have, 4 the audit field.
/// </summary>
internal readonly record struct StockArguments(Guid CampaignId, long Add, string Audit)
{
    public Task<CampaignScriptAnswer> RunAsync(IDatabaseAsync db, RedisKeys keys) =>
        CampaignScriptAnswer.RunAsync(Script.Stock, db, keys, CampaignId, [RedisKeys.Id(CampaignId), Add, CampaignDefinition.MaxStock, Audit]);
}

/// <summary>What status.lua and stock.lua answer: the outcome, and the campaign's status after it (null when not found).</summary>
internal readonly record struct CampaignScriptAnswer(Outcome Outcome, string? Status)
{
    public static async Task<CampaignScriptAnswer> RunAsync(Script script, IDatabaseAsync db, RedisKeys keys, Guid campaignId, RedisValue[] values)
    {
        var answer = (RedisResult[])(await script.RunAsync(
            db,
            [keys.Campaign(campaignId), keys.Bucket(campaignId, 0), keys.Events(RedisKeys.CampaignSlot(campaignId))],
            values).ConfigureAwait(false))!;
        return new CampaignScriptAnswer(ScriptOutcomes.Of(answer[0]), answer.Length > 1 ? (string?)answer[1] : null);
    }
}
