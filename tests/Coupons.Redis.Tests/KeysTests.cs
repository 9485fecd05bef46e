using System.Text;
using Coupons.Redis.Layout;

namespace Coupons.Redis.Tests;

public sealed class KeysTests
{
    [Fact]
    public void Slots_are_those_of_the_redis_cluster_specification()
    {
        // The specification's check value: CRC16/XMODEM("123456789") = 0x31C3.
        Assert.Equal(0x31C3, HashSlots.Of("123456789"u8));
        Assert.Equal(0x31C3 & 16383, HashSlots.Of("123456789"));
        Assert.Equal(0, HashSlots.Of(""u8));
    }

    [Fact]
    public void Every_slot_has_a_tag_that_lands_in_it()
    {
        for (var slot = 0; slot < HashSlots.Count; slot++)
        {
            Assert.Equal(slot, HashSlots.Of(Encoding.UTF8.GetBytes(HashSlots.TagFor(slot))));
        }
    }

    [Fact]
    public void A_coupon_id_carries_its_slot_and_stays_a_time_ordered_version_7_id()
    {
        var now = DateTimeOffset.Parse("2026-11-26T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        var ids = new List<Guid>();
        foreach (var slot in new[] { 0, 1, 4242, HashSlots.Count - 1 })
        {
            var id = CouponIds.New(slot, now + ids.Count);
            Assert.Equal(slot, CouponIds.SlotOf(id));
            Assert.Equal(7, id.Version);
            Assert.Equal(0b10, id.Variant >> 2);
            ids.Add(id);
        }

        Assert.Equal(ids.OrderBy(i => i), ids);
        Assert.NotEqual(CouponIds.New(7, now), CouponIds.New(7, now));
    }

    [Fact]
    public void A_campaign_and_its_coupons_share_one_slot_and_the_prefix_moves_nothing()
    {
        var keys = new RedisKeys("any:prefix:");
        var campaign = Guid.CreateVersion7();
        var slot = RedisKeys.CampaignSlot(campaign);
        var coupon = CouponIds.New(RedisKeys.BucketSlot(campaign, 0), 1);

        foreach (var key in new[]
        {
            keys.Campaign(campaign), keys.Bucket(campaign, 0), keys.Claimants(campaign, 0),
            keys.Coupon(coupon), keys.Events(slot),
        })
        {
            Assert.StartsWith("any:prefix:{", key, StringComparison.Ordinal);
            var tag = key[(key.IndexOf('{', StringComparison.Ordinal) + 1)..key.IndexOf('}', StringComparison.Ordinal)];
            Assert.Equal(slot, HashSlots.Of(tag));
        }
    }

    [Fact]
    public void Idempotency_fields_of_different_users_and_keys_never_collide()
    {
        Assert.NotEqual(ClaimantFields.IdempotencyKey("a", "bc"), ClaimantFields.IdempotencyKey("ab", "c"));
        Assert.NotEqual(ClaimantFields.IdempotencyKey("a\n", "b"), ClaimantFields.IdempotencyKey("a", "\nb"));
    }
}
