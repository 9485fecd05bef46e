using Coupons.Core.Codes;
using Coupons.Redis.Layout;
using StackExchange.Redis;

namespace Coupons.Redis;

/// <summary>
/// Campaigns' shared codes in the code index: a record in the code's partition (<see cref="RedisKeys.CodeSlot"/>)
/// naming the campaign, taken before the campaign is created (its id is chosen first), so that two
/// campaigns never share a code and a code generated later clashes with it.
/// </summary>
/// <remarks>
/// A node that dies between taking the code and creating the campaign leaves a record naming a
/// campaign that does not exist. A claim by that code answers code_not_found (the campaign is not
/// found); a later create takes the record over once it is <see cref="StaleAfter"/> old and its
/// campaign still does not exist, by compare-and-set (sharedcode.lua), so two creates cannot both.
/// </remarks>
internal sealed class SharedCodeIndex(IDatabase db, RedisKeys keys)
{
    /// <summary>How old a record of a campaign that does not exist must be before a create may take it: far longer than a create takes.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(60);

    /// <summary>Takes <paramref name="code"/> for <paramref name="campaignId"/>, or throws <see cref="CodeTakenException"/>.</summary>
    public async Task TakeAsync(CodeHash code, Guid campaignId, long nowMs)
    {
        var slot = RedisKeys.CodeSlot(code);
        var expected = "";
        // Once for a free code; twice when a stale record is taken over; a third record means others race for it.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var answer = (RedisResult[])(await Script.SharedCode.RunAsync(
                db, [keys.Codes(slot)], [code.ToText(), CodeRecord.Shared(campaignId, nowMs), expected]).ConfigureAwait(false))!;
            if ((string?)answer[0] == "ok")
            {
                return;
            }

            var held = (string)answer[1]!;
            if (!await IsStaleAsync(held, nowMs).ConfigureAwait(false))
            {
                throw new CodeTakenException();
            }

            expected = held;
        }

        throw new CodeTakenException();
    }

    private async Task<bool> IsStaleAsync(string held, long nowMs)
    {
        var record = CodeRecord.Parse(held);
        return record.Kind == CodeKind.Shared
            && nowMs - record.TakenAtMs >= (long)StaleAfter.TotalMilliseconds
            && !await db.KeyExistsAsync(keys.Campaign(record.CampaignId)).ConfigureAwait(false);
    }
}
