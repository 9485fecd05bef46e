using System.Collections.Concurrent;
using Coupons.Bench.Load;
using Coupons.Bench.Service;

namespace Coupons.Bench.Tests;

public class MixWorkloadTests
{
    private static readonly BenchClient Client = new(new Uri("http://127.0.0.1:9"), 1, TimeSpan.FromSeconds(1));

    private static MixWorkload Mix(int claims, int redemptions) =>
        new(Guid.NewGuid(), [Client.As("t")], Client.As("s"), new ConcurrentQueue<Guid>(), claims, redemptions);

    [Theory]
    [InlineData(3, 7)]
    [InlineData(1, 1)]
    [InlineData(2, 4)]
    [InlineData(1, 0)]
    [InlineData(0, 1)]
    public void Claims_come_at_the_ratio_in_every_run_of_arrivals(int claims, int redemptions)
    {
        var mix = Mix(claims, redemptions);
        var cycle = claims + redemptions;

        for (var start = 0; start < 5 * cycle; start += cycle)
        {
            Assert.Equal(claims, Enumerable.Range(start, cycle).Count(n => mix.IsClaim(n)));
        }
    }

    [Fact]
    public void A_redemption_is_two_requests()
    {
        Assert.Equal(1.7, Mix(3, 7).RequestsPerOperation, 6);
        Assert.Equal(1, Mix(1, 0).RequestsPerOperation);
    }

    [Fact]
    public void The_pool_covers_what_redemptions_take_beyond_what_claims_add()
    {
        // 1,700 requests/s for 10 s are 10,000 operations: 3,000 claims and 7,000 redemptions.
        Assert.InRange(Mix(3, 7).PoolNeeded(1_700, 10), 4_000, 6_000);
        Assert.Equal(1_000, Mix(7, 3).PoolNeeded(1_700, 10));
    }
}
