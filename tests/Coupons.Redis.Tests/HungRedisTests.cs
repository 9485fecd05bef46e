using System.Globalization;
using Coupons.Conformance;
using Coupons.Core;
using Polly.CircuitBreaker;

namespace Coupons.Redis.Tests;

/// <summary>
/// A Redis that hangs (SIGSTOP): calls fail as storage unavailable instead of waiting, the breaker
/// opens and refuses at once, and after SIGCONT claims go through again by themselves; what the
/// timed-out claims sent ran whole or not at all, and each retried with its key finds its coupon.
/// </summary>
public sealed class HungRedisTests : IAsyncLifetime
{
    private readonly RedisServer _server = new();
    private RedisCouponStore _store = null!;

    /// <summary>The same data through a node that waits long: to set up and check without failing on a busy test machine.</summary>
    private RedisCouponStore _patient = null!;

    public async Task InitializeAsync()
    {
        await _server.InitializeAsync();
        _store = await RedisCouponStore.ConnectAsync(
            new RedisStoreOptions { Configuration = _server.Configuration, KeyPrefix = "h:", Timeout = TimeSpan.FromMilliseconds(200), BreakFor = TimeSpan.FromSeconds(3) },
            TimeProvider.System, TestCodes.Own);
        _patient = await RedisCouponStore.ConnectAsync(
            new RedisStoreOptions { Configuration = _server.Configuration, KeyPrefix = "h:", Timeout = RedisServer.CallTimeout }, TimeProvider.System, TestCodes.Own);
    }

    public async Task DisposeAsync()
    {
        _store.Dispose();
        _patient.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task A_hung_redis_fails_calls_the_breaker_opens_and_claims_come_back_after_it_goes_on_with_nothing_half_applied()
    {
        var definition = new CampaignDefinition { Name = "Hung", Discount = Discount.AmountOffOf(500), Validity = Validity.Relative(30) };
        var campaign = await _patient.CreateCampaignAsync(definition, 100);
        var first = (await _patient.ClaimAsync(campaign.Id, "before", null)).Coupon!;
        var users = Enumerable.Range(0, 2 * RedisGuard.MinimumCalls).Select(i => "user-" + i.ToString(CultureInfo.InvariantCulture)).ToArray();

        _server.Pause();
        try
        {
            // Each fails rather than waits: the bound here only keeps a broken guard from hanging the test.
            var failed = await Task.WhenAll(users.Select(user => FailureOf(_store.ClaimAsync(campaign.Id, user, "key-" + user).AsTask())));
            Assert.All(failed, f => Assert.IsType<StorageUnavailableException>(f));

            var refused = await FailureOf(_store.ClaimAsync(campaign.Id, "while-open", null).AsTask());
            Assert.IsType<BrokenCircuitException>(Assert.IsType<StorageUnavailableException>(refused).InnerException);
            Assert.IsType<BrokenCircuitException>((await FailureOf(_store.GetStatsAsync(campaign.Id).AsTask()))?.InnerException);
        }
        finally
        {
            _server.Resume();
        }

        // Half-open after BreakFor: the first call that gets through closes the breaker again.
        CouponResult? after = null;
        for (var attempt = 0; attempt < 300 && after is null; attempt++)
        {
            try
            {
                after = await _store.ClaimAsync(campaign.Id, "after", "key-after");
            }
            catch (StorageUnavailableException)
            {
                await Task.Delay(100);
            }
        }

        Assert.Equal(Outcome.Ok, after?.Outcome);
        var retried = new List<CouponResult>();
        foreach (var user in users)
        {
            retried.Add(await _patient.ClaimAsync(campaign.Id, user, "key-" + user));
        }

        // Redis ran what the timed-out claims had sent once it went on (or their nodes sent it then):
        // a retry with the same key finds that coupon, or makes it while the first is still on its way
        // (which then finds the retry's): never a second coupon for one key.
        Assert.All(retried, r => Assert.True(r.Outcome is Outcome.Replayed or Outcome.Ok, r.Outcome.ToString()));
        var issued = retried.Select(r => r.Coupon!.Id).Append(first.Id).Append(after!.Value.Coupon!.Id).Distinct().Count();
        Assert.Equal(issued, (await _patient.GetStatsAsync(campaign.Id))!.Issued);
        Assert.Equal(users.Length + 2, issued);
    }

    private static async Task<Exception?> FailureOf(Task call)
    {
        try
        {
            await call.WaitAsync(TimeSpan.FromSeconds(20));
            return null;
        }
        catch (TimeoutException exception)
        {
            throw new Xunit.Sdk.XunitException("a call to a hung Redis waited past 20 s: " + exception.Message);
        }
        catch (Exception exception)
        {
            return exception;
        }
    }
}
