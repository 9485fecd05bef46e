using System.Text;
using Coupons.Api.Tests.Infrastructure;
using Coupons.Client;

namespace Coupons.Api.Tests.Client;

/// <summary>
/// Issuance through <see cref="CouponsClient"/> against the real service (embedded store, where jobs
/// run): a list and a CSV stream of users each given one coupon, the same key giving the same job,
/// and the users refused listed as the job's failures with their codes.
/// </summary>
public sealed class ClientIssuanceTests(CouponsApiFactory factory) : ClientTestBase(factory), IClassFixture<CouponsApiFactory>
{
    [Fact]
    public async Task A_list_issues_one_coupon_a_user_and_the_users_refused_are_the_jobs_failures()
    {
        var admin = Admin;
        var campaign = await admin.CreateCampaignAsync(new NewCampaign("Pushed", new AmountOffDiscount(300), 2, Validity.ForDays(30)));
        var key = "push-" + Unique();
        var users = new[] { "u1-" + Unique(), "u2-" + Unique(), "u3-" + Unique() };
        var started = await admin.IssueAsync(campaign.Id, users, key);
        Assert.Equal(("issuance", campaign.Id, 3L), (started.Kind, started.CampaignId, started.Total));
        Assert.Equal(started.Id, (await admin.IssueAsync(campaign.Id, users, key)).Id);

        var job = await WaitAsync(admin, started.Id);
        Assert.Equal((JobStatus.Succeeded, 2L, 1L), (job.Status, job.Results["ok"], job.Results["sold_out"]));
        var failure = Assert.Single(await admin.ListJobFailuresAsync(job.Id, pageSize: 1).ToListAsync());
        Assert.Equal(new JobFailure(users[2], "sold_out"), failure);
        Assert.Null((await admin.ListJobFailuresPageAsync(job.Id, limit: 1)).NextCursor);
        Assert.Equal(2, (await admin.GetStatsAsync(campaign.Id)).Issued);
    }

    [Fact]
    public async Task A_csv_stream_issues_to_every_line()
    {
        var admin = Admin;
        var campaign = await admin.CreateCampaignAsync(new NewCampaign("Pushed CSV", new AmountOffDiscount(300), 10, Validity.ForDays(30)));
        var users = Enumerable.Range(0, 4).Select(i => $"csv-{i}-{Unique()}").ToList();
        var job = await WaitAsync(admin, (await admin.IssueCsvAsync(campaign.Id, new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', users) + "\n")))).Id);
        Assert.Equal((JobStatus.Succeeded, 4L, 4L), (job.Status, job.Total, job.Results["ok"]));
        Assert.Empty(await admin.ListJobFailuresAsync(job.Id).ToListAsync());
        var refused = await Assert.ThrowsAsync<CouponsApiException>(() => admin.IssueAsync(Guid.NewGuid(), ["nobody"]));
        Assert.Equal(ProblemCode.CampaignNotFound, refused.Code);
    }
}
