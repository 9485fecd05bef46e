using Coupons.Conformance;
using Coupons.Core;
using Microsoft.Extensions.Time.Testing;

namespace Coupons.Redis.Tests;

/// <summary>
/// What is particular to the Redis store's filtered campaign listing (the filter itself is held by
/// the conformance suite): a page looks at a bounded number of ids, so one over many campaigns
/// that do not match comes back short, even empty, with a cursor to go on from.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class CampaignListingTests(RedisServer server) : IAsyncLifetime
{
    private const int Paused = 1_020;
    private const int Active = 30;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 15, 0, 0, 0, TimeSpan.Zero));
    private RedisCouponStore _store = null!;

    public async Task InitializeAsync() =>
        _store = await RedisCouponStore.ConnectAsync(
            new RedisStoreOptions { Timeout = RedisServer.CallTimeout, Configuration = server.Configuration, KeyPrefix = "l" + Guid.NewGuid().ToString("N")[..12] + ":" }, _time, TestCodes.Own);

    public Task DisposeAsync()
    {
        _store.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_filtered_page_behind_many_campaigns_that_do_not_match_ends_short_with_a_cursor()
    {
        var terms = new CampaignDefinition { Name = "Listed", Discount = Discount.AmountOffOf(100), Validity = Validity.Relative(1) };
        var campaigns = new List<CampaignInfo>();
        foreach (var chunk in Enumerable.Range(0, Paused + Active).Chunk(64))
        {
            campaigns.AddRange(await Task.WhenAll(chunk.Select(_ => _store.CreateCampaignAsync(terms, 1).AsTask())));
        }

        // Version-7 ids made in one millisecond still sort in creation order; the listing is in id order.
        campaigns = [.. campaigns.OrderBy(c => c.Id)];
        foreach (var chunk in campaigns.Take(Paused).Chunk(64))
        {
            await Task.WhenAll(chunk.Select(c => _store.ChangeCampaignStatusAsync(c.Id, CampaignCommand.Pause).AsTask()));
        }

        var first = await _store.ListCampaignsAsync(CampaignFilter.Claimable, null, 10);
        Assert.Empty(first.Items);
        Assert.NotNull(first.NextAfter);
        Assert.True(first.NextAfter.Value.CompareTo(campaigns[Paused - 1].Id) <= 0, "the cursor passed a campaign it did not look at");

        var listed = new List<Guid>();
        Guid? after = null;
        var pages = 0;
        do
        {
            var page = await _store.ListCampaignsAsync(CampaignFilter.WithStatus(CampaignStatus.Active), after, 10);
            listed.AddRange(page.Items.Select(c => c.Id));
            after = page.NextAfter;
            pages++;
        }
        while (after is not null);

        Assert.Equal(campaigns.Skip(Paused).Select(c => c.Id), listed);
        Assert.InRange(pages, 4, 5);
        Assert.Equal(campaigns.Take(3).Select(c => c.Id), (await _store.ListCampaignsAsync(CampaignFilter.WithStatus(CampaignStatus.Paused), null, 3)).Items.Select(c => c.Id));
    }
}
