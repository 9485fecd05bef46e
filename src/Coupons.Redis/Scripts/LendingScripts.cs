using Coupons.Redis.Layout;
using StackExchange.Redis;

namespace Coupons.Redis;

/// <summary>
/// take.lua's arguments: KEYS 1 the lending bucket, 2 its transfers in flight; ARGV 1 the units
/// wanted, 2 the transfer's id, 3 the borrowing bucket.
/// </summary>
internal readonly record struct TakeArguments(Guid CampaignId, int Lender, long UnitsWanted, string TransferId, int Borrower)
{
    /// <summary>The units taken: 0 when nothing was left.</summary>
    public async Task<long> RunAsync(IDatabaseAsync db, RedisKeys keys) => (long)await Script.Take.RunAsync(
        db, [keys.Bucket(CampaignId, Lender), keys.TransfersOut(CampaignId, Lender)], [UnitsWanted, TransferId, Borrower]).ConfigureAwait(false);
}

/// <summary>give.lua's arguments: KEYS 1 the borrowing bucket, 2 the transfers it has received; ARGV 1 the transfer's id, 2 the units.</summary>
internal readonly record struct GiveArguments(Guid CampaignId, int Borrower, string TransferId, long Units)
{
    public Task<RedisResult> RunAsync(IDatabaseAsync db, RedisKeys keys) => Script.Give.RunAsync(
        db, [keys.Bucket(CampaignId, Borrower), keys.TransfersIn(CampaignId, Borrower)], [TransferId, Units]);
}
