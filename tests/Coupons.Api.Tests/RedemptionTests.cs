using System.Net;
using System.Text.Json.Nodes;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests;

/// <summary>POST /v1/coupons/{id}/lock, /redeem, /release and /refund.</summary>
public sealed class RedemptionTests(CouponsApiFactory factory) : ApiTestBase<CouponsApiFactory>(factory), IClassFixture<CouponsApiFactory>
{
    private const string UnknownCoupon = "0198f0f0-0000-7000-8000-000000000000";

    private static string NewOrder() => "order-" + Guid.NewGuid().ToString("N")[..12];

    private static JsonObject Campaign(JsonObject discount, long minOrderAmount = 0)
    {
        var body = CampaignBody();
        body["discount"] = discount;
        body["minOrderAmount"] = minOrderAmount;
        return body;
    }

    // ---- lock ----

    [Fact]
    public async Task Lock_returns_the_locked_coupon_with_discount_and_payable()
    {
        var (userId, user, _, couponId) = await UserWithCouponAsync();
        var order = NewOrder();
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        using var response = await PostCouponAsync(user, couponId, "lock", Order(order, 2000));
        var result = await response.AssertStatusAsync(HttpStatusCode.OK);

        Assert.Equal(500, result.Long("discount"));
        Assert.Equal(1500, result.Long("payable"));
        var coupon = result.GetProperty("coupon");
        Assert.Equal(couponId, coupon.Str("id"));
        Assert.Equal(userId, coupon.Str("userId"));
        Assert.Equal("locked", coupon.Str("status"));
        Assert.Equal(order, coupon.Str("orderId"));
        Assert.Equal(2000, coupon.Long("orderAmount"));
        Assert.InRange(coupon.Time("lockExpiresAt"), before.AddSeconds(900), DateTimeOffset.UtcNow.AddSeconds(901));
        Assert.True(coupon.IsNull("usedAt"));

        Assert.Equal("locked", (await GetCouponAsync(user, couponId)).Str("status"));
    }

    public static TheoryData<string, long, long, long, long> Quotes => new()
    {
        // discount JSON, minOrderAmount, orderAmount, expected discount, expected payable
        { """{"type":"amount_off","amountOff":500}""", 0, 300, 300, 0 },
        { """{"type":"amount_off","amountOff":500}""", 0, 0, 0, 0 },
        { """{"type":"amount_off","amountOff":500}""", 1000, 1000, 500, 500 },
        { """{"type":"percent_off","percentOff":15}""", 0, 9999, 1499, 8500 },
        { """{"type":"percent_off","percentOff":15,"maxDiscount":1000}""", 0, 100000, 1000, 99000 },
        { """{"type":"percent_off","percentOff":100}""", 0, 1_000_000_000_000_000, 1_000_000_000_000_000, 0 },
        { """{"type":"percent_off","percentOff":1}""", 0, 99, 0, 99 },
        { """{"type":"percent_off","percentOff":33}""", 0, 1_000_000_000_000_000, 330_000_000_000_000, 670_000_000_000_000 },
        { """{"type":"threshold","threshold":5000,"amountOff":800}""", 0, 5000, 800, 4200 },
        { """{"type":"threshold","threshold":0,"amountOff":800}""", 0, 100, 100, 0 },
        { """{"type":"amount_off","amountOff":1000000000000000}""", 0, 1_000_000_000_000_000, 1_000_000_000_000_000, 0 },
    };

    [Theory]
    [MemberData(nameof(Quotes))]
    public async Task Lock_prices_the_discount_by_the_rules(string discount, long minOrderAmount, long orderAmount, long expectedDiscount, long expectedPayable)
    {
        var (_, user, _, couponId) = await UserWithCouponAsync(Campaign(JsonNode.Parse(discount)!.AsObject(), minOrderAmount));
        using var response = await PostCouponAsync(user, couponId, "lock", Order(NewOrder(), orderAmount));
        var result = await response.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(expectedDiscount, result.Long("discount"));
        Assert.Equal(expectedPayable, result.Long("payable"));
        Assert.Equal(orderAmount, result.Long("discount") + result.Long("payable"));
    }

    [Theory]
    [InlineData("""{"type":"amount_off","amountOff":500}""", 1000, 999)]
    [InlineData("""{"type":"threshold","threshold":5000,"amountOff":800}""", 0, 4999)]
    [InlineData("""{"type":"threshold","threshold":5000,"amountOff":800}""", 6000, 5500)]
    [InlineData("""{"type":"percent_off","percentOff":10}""", 1, 0)]
    public async Task Lock_below_the_minimum_or_threshold_is_422_below_minimum(string discount, long minOrderAmount, long orderAmount)
    {
        var (_, user, _, couponId) = await UserWithCouponAsync(Campaign(JsonNode.Parse(discount)!.AsObject(), minOrderAmount));
        using var response = await PostCouponAsync(user, couponId, "lock", Order(NewOrder(), orderAmount));
        await response.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "below_minimum");
        Assert.Equal("unused", (await GetCouponAsync(user, couponId)).Str("status"));
    }

    [Fact]
    public async Task Lock_again_by_the_same_order_returns_the_same_lock()
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        var order = NewOrder();
        using var first = await PostCouponAsync(user, couponId, "lock", Order(order, 2000));
        var locked = await first.AssertStatusAsync(HttpStatusCode.OK);

        using var again = await PostCouponAsync(Service, couponId, "lock", Order(order, 2000));
        var relocked = await again.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(locked.GetProperty("coupon").Time("lockExpiresAt"), relocked.GetProperty("coupon").Time("lockExpiresAt"));
        Assert.Equal(order, relocked.GetProperty("coupon").Str("orderId"));
        Assert.Equal(500, relocked.Long("discount"));
        Assert.Equal(1500, relocked.Long("payable"));
    }

    [Fact]
    public async Task Lock_again_by_the_same_order_at_another_amount_is_409_order_mismatch()
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        var order = NewOrder();
        using (var first = await PostCouponAsync(user, couponId, "lock", Order(order, 2000)))
        {
            await first.AssertStatusAsync(HttpStatusCode.OK);
        }

        using var response = await PostCouponAsync(user, couponId, "lock", Order(order, 3000));
        await response.AssertProblemAsync(HttpStatusCode.Conflict, "order_mismatch");
        Assert.Equal(2000, (await GetCouponAsync(user, couponId)).Long("orderAmount"));
    }

    [Fact]
    public async Task Lock_by_another_order_is_409_locked_by_other_order()
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        var order = NewOrder();
        using (var first = await PostCouponAsync(user, couponId, "lock", Order(order, 2000)))
        {
            await first.AssertStatusAsync(HttpStatusCode.OK);
        }

        using var response = await PostCouponAsync(Service, couponId, "lock", Order(NewOrder(), 2000));
        await response.AssertProblemAsync(HttpStatusCode.Conflict, "locked_by_other_order");
        Assert.Equal(order, (await GetCouponAsync(user, couponId)).Str("orderId"));
    }

    [Fact]
    public async Task Lock_of_a_used_coupon_is_409_already_used()
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        using (var used = await PostCouponAsync(user, couponId, "redeem", Order(NewOrder(), 2000)))
        {
            await used.AssertStatusAsync(HttpStatusCode.OK);
        }

        using var response = await PostCouponAsync(user, couponId, "lock", Order(NewOrder(), 2000));
        await response.AssertProblemAsync(HttpStatusCode.Conflict, "already_used");
    }

    [Fact]
    public async Task Lock_by_the_service_acts_for_the_user()
    {
        var (userId, _, _, couponId) = await UserWithCouponAsync();
        using var response = await PostCouponAsync(Service, couponId, "lock", Order(NewOrder(), 2000));
        var result = await response.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(userId, result.GetProperty("coupon").Str("userId"));
    }

    [Theory]
    [InlineData("lock")]
    [InlineData("redeem")]
    [InlineData("release")]
    public async Task An_admin_may_not_lock_redeem_or_release(string action)
    {
        var (_, _, _, couponId) = await UserWithCouponAsync();
        var body = action == "release" ? Order(NewOrder()) : Order(NewOrder(), 2000);
        using var response = await PostCouponAsync(Admin, couponId, action, body);
        await response.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Theory]
    [InlineData("lock")]
    [InlineData("redeem")]
    [InlineData("release")]
    public async Task Another_user_gets_404_coupon_not_found(string action)
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        var body = action == "release" ? Order(NewOrder()) : Order(NewOrder(), 2000);
        using var response = await PostCouponAsync(NewUser().Client, couponId, action, body);
        await response.AssertProblemAsync(HttpStatusCode.NotFound, "coupon_not_found");
        Assert.Equal("unused", (await GetCouponAsync(user, couponId)).Str("status"));
    }

    [Theory]
    [InlineData("lock", UnknownCoupon)]
    [InlineData("redeem", UnknownCoupon)]
    [InlineData("release", UnknownCoupon)]
    [InlineData("refund", UnknownCoupon)]
    [InlineData("lock", "not-a-coupon")]
    [InlineData("refund", "not-a-coupon")]
    public async Task Unknown_coupons_are_404(string action, string couponId)
    {
        var body = action is "release" or "refund" ? Order(NewOrder()) : Order(NewOrder(), 2000);
        using var response = await PostCouponAsync(Service, couponId, action, body);
        await response.AssertProblemAsync(HttpStatusCode.NotFound, "coupon_not_found");
    }

    [Theory]
    [InlineData("""{"orderAmount": 2000}""", "orderId")]
    [InlineData("""{"orderId": "", "orderAmount": 2000}""", "orderId")]
    [InlineData("""{"orderId": "   ", "orderAmount": 2000}""", "orderId")]
    [InlineData("""{"orderId": "o1"}""", "orderAmount")]
    [InlineData("""{"orderId": "o1", "orderAmount": null}""", "orderAmount")]
    [InlineData("""{"orderId": "o1", "orderAmount": -1}""", "orderAmount")]
    [InlineData("""{"orderId": "o1", "orderAmount": 1000000000000001}""", "orderAmount")]
    [InlineData("""{"orderId": "o1", "orderAmount": 9223372036854775807}""", "orderAmount")]
    [InlineData("""{"orderId": "o1", "orderAmount": -9223372036854775808}""", "orderAmount")]
    public async Task Lock_with_a_missing_or_out_of_range_field_is_400(string json, string field)
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        using var response = await user.PostRawAsync($"/v1/coupons/{couponId}/lock", json);
        await response.AssertValidationAsync(field);
    }

    [Fact]
    public async Task Order_ids_up_to_128_characters_are_taken_longer_are_400()
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        using (var tooLong = await PostCouponAsync(user, couponId, "lock", Order(new string('o', 129), 2000)))
        {
            await tooLong.AssertValidationAsync("orderId");
        }

        using var ok = await PostCouponAsync(user, couponId, "lock", Order(new string('o', 128), 2000));
        Assert.Equal(128, (await ok.AssertStatusAsync(HttpStatusCode.OK)).GetProperty("coupon").Str("orderId").Length);
    }

    [Fact]
    public async Task Lock_of_an_amount_at_the_maximum_is_taken()
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        using var response = await PostCouponAsync(user, couponId, "lock", Order(NewOrder(), 1_000_000_000_000_000));
        var result = await response.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(500, result.Long("discount"));
        Assert.Equal(999_999_999_999_500, result.Long("payable"));
    }

    // ---- redeem ----

    [Fact]
    public async Task Redeem_confirms_the_orders_lock()
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        var order = NewOrder();
        using (var locked = await PostCouponAsync(user, couponId, "lock", Order(order, 2000)))
        {
            await locked.AssertStatusAsync(HttpStatusCode.OK);
        }

        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        using var response = await PostCouponAsync(Service, couponId, "redeem", Order(order));
        var result = await response.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(500, result.Long("discount"));
        Assert.Equal(1500, result.Long("payable"));
        var coupon = result.GetProperty("coupon");
        Assert.Equal("used", coupon.Str("status"));
        Assert.Equal(order, coupon.Str("orderId"));
        Assert.Equal(2000, coupon.Long("orderAmount"));
        Assert.InRange(coupon.Time("usedAt"), before, DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.True(coupon.IsNull("lockExpiresAt"));
        Assert.Equal("used", (await GetCouponAsync(user, couponId)).Str("status"));
    }

    [Fact]
    public async Task Redeem_confirming_a_lock_with_the_same_amount_is_taken_with_another_is_409_order_mismatch()
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        var order = NewOrder();
        using (var locked = await PostCouponAsync(user, couponId, "lock", Order(order, 2000)))
        {
            await locked.AssertStatusAsync(HttpStatusCode.OK);
        }

        using (var mismatch = await PostCouponAsync(user, couponId, "redeem", Order(order, 2500)))
        {
            await mismatch.AssertProblemAsync(HttpStatusCode.Conflict, "order_mismatch");
        }

        Assert.Equal("locked", (await GetCouponAsync(user, couponId)).Str("status"));
        using var same = await PostCouponAsync(user, couponId, "redeem", Order(order, 2000));
        Assert.Equal("used", (await same.AssertStatusAsync(HttpStatusCode.OK)).GetProperty("coupon").Str("status"));
    }

    [Fact]
    public async Task Redeem_in_one_step_locks_and_uses_an_unused_coupon()
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        var order = NewOrder();
        using var response = await PostCouponAsync(user, couponId, "redeem", Order(order, 4000));
        var result = await response.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(500, result.Long("discount"));
        Assert.Equal(3500, result.Long("payable"));
        Assert.Equal("used", result.GetProperty("coupon").Str("status"));
        Assert.Equal(4000, result.GetProperty("coupon").Long("orderAmount"));
    }

    [Fact]
    public async Task Redeem_without_an_amount_of_an_unlocked_coupon_is_422_order_amount_required()
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        using var response = await PostCouponAsync(user, couponId, "redeem", Order(NewOrder()));
        await response.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "order_amount_required");
        Assert.Equal("unused", (await GetCouponAsync(user, couponId)).Str("status"));
    }

    [Fact]
    public async Task Redeem_in_one_step_below_the_minimum_is_422_below_minimum()
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        using var response = await PostCouponAsync(user, couponId, "redeem", Order(NewOrder(), 999));
        await response.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "below_minimum");
        Assert.Equal("unused", (await GetCouponAsync(user, couponId)).Str("status"));
    }

    [Fact]
    public async Task Redeem_repeated_by_the_same_order_succeeds_again_with_the_same_result()
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        var order = NewOrder();
        using var first = await PostCouponAsync(user, couponId, "redeem", Order(order, 2000));
        var used = await first.AssertStatusAsync(HttpStatusCode.OK);

        foreach (var body in new[] { Order(order, 2000), Order(order) })
        {
            using var replay = await PostCouponAsync(Service, couponId, "redeem", body);
            var again = await replay.AssertStatusAsync(HttpStatusCode.OK);
            Assert.Equal(used.Long("discount"), again.Long("discount"));
            Assert.Equal(used.Long("payable"), again.Long("payable"));
            Assert.Equal(used.GetProperty("coupon").Time("usedAt"), again.GetProperty("coupon").Time("usedAt"));
            Assert.Equal("used", again.GetProperty("coupon").Str("status"));
        }

        using var otherAmount = await PostCouponAsync(user, couponId, "redeem", Order(order, 3000));
        await otherAmount.AssertProblemAsync(HttpStatusCode.Conflict, "order_mismatch");
    }

    [Fact]
    public async Task Redeem_by_another_order_of_a_used_coupon_is_409_already_used()
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        using (var first = await PostCouponAsync(user, couponId, "redeem", Order(NewOrder(), 2000)))
        {
            await first.AssertStatusAsync(HttpStatusCode.OK);
        }

        using var response = await PostCouponAsync(user, couponId, "redeem", Order(NewOrder(), 2000));
        await response.AssertProblemAsync(HttpStatusCode.Conflict, "already_used");
    }

    [Fact]
    public async Task Redeem_by_another_order_of_a_locked_coupon_is_409_locked_by_other_order()
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        using (var locked = await PostCouponAsync(user, couponId, "lock", Order(NewOrder(), 2000)))
        {
            await locked.AssertStatusAsync(HttpStatusCode.OK);
        }

        using var response = await PostCouponAsync(user, couponId, "redeem", Order(NewOrder(), 2000));
        await response.AssertProblemAsync(HttpStatusCode.Conflict, "locked_by_other_order");
        Assert.Equal("locked", (await GetCouponAsync(user, couponId)).Str("status"));
    }

    [Theory]
    [InlineData("""{"orderId": "o1", "orderAmount": -1}""", "orderAmount")]
    [InlineData("""{"orderId": "o1", "orderAmount": 1000000000000001}""", "orderAmount")]
    [InlineData("""{"orderAmount": 100}""", "orderId")]
    public async Task Redeem_with_a_bad_field_is_400(string json, string field)
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        using var response = await user.PostRawAsync($"/v1/coupons/{couponId}/redeem", json);
        await response.AssertValidationAsync(field);
    }

    // ---- release ----

    [Fact]
    public async Task Release_frees_the_orders_lock_and_repeating_it_is_a_no_op_success()
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        var order = NewOrder();
        using (var locked = await PostCouponAsync(user, couponId, "lock", Order(order, 2000)))
        {
            await locked.AssertStatusAsync(HttpStatusCode.OK);
        }

        for (var i = 0; i < 2; i++)
        {
            using var response = await PostCouponAsync(i == 0 ? user : Service, couponId, "release", Order(order));
            var coupon = await response.AssertStatusAsync(HttpStatusCode.OK);
            Assert.Equal(couponId, coupon.Str("id"));
            Assert.Equal("unused", coupon.Str("status"));
            Assert.True(coupon.IsNull("orderId"));
            Assert.True(coupon.IsNull("lockExpiresAt"));
        }

        // Free again: another order may lock it now.
        using var relock = await PostCouponAsync(user, couponId, "lock", Order(NewOrder(), 2000));
        await relock.AssertStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Release_of_a_never_locked_coupon_is_a_no_op_success()
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        using var response = await PostCouponAsync(user, couponId, "release", Order(NewOrder()));
        Assert.Equal("unused", (await response.AssertStatusAsync(HttpStatusCode.OK)).Str("status"));
    }

    [Fact]
    public async Task Release_by_another_order_is_409_and_keeps_the_lock()
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        var order = NewOrder();
        using (var locked = await PostCouponAsync(user, couponId, "lock", Order(order, 2000)))
        {
            await locked.AssertStatusAsync(HttpStatusCode.OK);
        }

        using var response = await PostCouponAsync(user, couponId, "release", Order(NewOrder()));
        await response.AssertProblemAsync(HttpStatusCode.Conflict, "locked_by_other_order");
        var coupon = await GetCouponAsync(user, couponId);
        Assert.Equal("locked", coupon.Str("status"));
        Assert.Equal(order, coupon.Str("orderId"));
    }

    [Fact]
    public async Task Release_of_a_used_coupon_is_409_already_used()
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        var order = NewOrder();
        using (var used = await PostCouponAsync(user, couponId, "redeem", Order(order, 2000)))
        {
            await used.AssertStatusAsync(HttpStatusCode.OK);
        }

        using var response = await PostCouponAsync(user, couponId, "release", Order(order));
        await response.AssertProblemAsync(HttpStatusCode.Conflict, "already_used");
        Assert.Equal("used", (await GetCouponAsync(user, couponId)).Str("status"));
    }

    [Theory]
    [InlineData("release")]
    [InlineData("refund")]
    public async Task Release_and_refund_take_no_order_amount(string action)
    {
        var (_, _, _, couponId) = await UserWithCouponAsync();
        using var response = await PostCouponAsync(Service, couponId, action, Order(NewOrder(), 2000));
        await response.AssertValidationAsync("orderAmount");
    }

    // ---- refund ----

    [Theory]
    [InlineData("service")]
    [InlineData("admin")]
    public async Task Refund_returns_a_used_coupon_to_unused_and_repeating_it_is_a_no_op_success(string who)
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        var order = NewOrder();
        using (var used = await PostCouponAsync(user, couponId, "redeem", Order(order, 2000)))
        {
            await used.AssertStatusAsync(HttpStatusCode.OK);
        }

        var refunder = who == "service" ? Service : Admin;
        for (var i = 0; i < 2; i++)
        {
            using var response = await PostCouponAsync(refunder, couponId, "refund", Order(order));
            var coupon = await response.AssertStatusAsync(HttpStatusCode.OK);
            Assert.Equal("unused", coupon.Str("status"));
            Assert.True(coupon.IsNull("orderId"));
            Assert.True(coupon.IsNull("usedAt"));
        }

        Assert.Equal("unused", (await GetCouponAsync(user, couponId)).Str("status"));

        // The coupon can be used again by a new order.
        using var reuse = await PostCouponAsync(user, couponId, "redeem", Order(NewOrder(), 3000));
        Assert.Equal("used", (await reuse.AssertStatusAsync(HttpStatusCode.OK)).GetProperty("coupon").Str("status"));
    }

    [Fact]
    public async Task Refund_repeated_after_another_order_used_the_coupon_is_a_no_op_that_leaves_the_new_use()
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        var first = NewOrder();
        var second = NewOrder();
        using (var used = await PostCouponAsync(user, couponId, "redeem", Order(first, 2000)))
        {
            await used.AssertStatusAsync(HttpStatusCode.OK);
        }

        using (var refunded = await PostCouponAsync(Service, couponId, "refund", Order(first)))
        {
            await refunded.AssertStatusAsync(HttpStatusCode.OK);
        }

        using (var reused = await PostCouponAsync(user, couponId, "redeem", Order(second, 3000)))
        {
            await reused.AssertStatusAsync(HttpStatusCode.OK);
        }

        using (var repeat = await PostCouponAsync(Service, couponId, "refund", Order(first)))
        {
            var coupon = await repeat.AssertStatusAsync(HttpStatusCode.OK);
            Assert.Equal("used", coupon.Str("status"));
            Assert.Equal(second, coupon.Str("orderId"));
        }

        Assert.Equal(second, (await GetCouponAsync(user, couponId)).Str("orderId"));
    }

    [Fact]
    public async Task Refund_of_a_never_used_coupon_is_409_not_redeemed()
    {
        var (_, _, _, couponId) = await UserWithCouponAsync();
        using var response = await PostCouponAsync(Service, couponId, "refund", Order(NewOrder()));
        await response.AssertProblemAsync(HttpStatusCode.Conflict, "not_redeemed");
    }

    [Fact]
    public async Task Refund_of_a_locked_coupon_is_409_not_redeemed()
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        var order = NewOrder();
        using (var locked = await PostCouponAsync(user, couponId, "lock", Order(order, 2000)))
        {
            await locked.AssertStatusAsync(HttpStatusCode.OK);
        }

        using var response = await PostCouponAsync(Service, couponId, "refund", Order(order));
        await response.AssertProblemAsync(HttpStatusCode.Conflict, "not_redeemed");
        Assert.Equal("locked", (await GetCouponAsync(user, couponId)).Str("status"));
    }

    [Fact]
    public async Task Refund_for_another_order_than_the_one_that_used_it_is_409_already_used()
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        using (var used = await PostCouponAsync(user, couponId, "redeem", Order(NewOrder(), 2000)))
        {
            await used.AssertStatusAsync(HttpStatusCode.OK);
        }

        using var response = await PostCouponAsync(Service, couponId, "refund", Order(NewOrder()));
        await response.AssertProblemAsync(HttpStatusCode.Conflict, "already_used");
        Assert.Equal("used", (await GetCouponAsync(user, couponId)).Str("status"));
    }

    [Fact]
    public async Task Refund_by_an_end_user_is_403_even_the_owner()
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        var order = NewOrder();
        using (var used = await PostCouponAsync(user, couponId, "redeem", Order(order, 2000)))
        {
            await used.AssertStatusAsync(HttpStatusCode.OK);
        }

        using var response = await PostCouponAsync(user, couponId, "refund", Order(order));
        await response.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal("used", (await GetCouponAsync(user, couponId)).Str("status"));
    }
}
