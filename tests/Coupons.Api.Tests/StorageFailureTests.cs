using System.Net;
using Coupons.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Coupons.Api.Tests;

/// <summary>A data folder that cannot be opened: the service lives but is never ready, and every store call is a 503.</summary>
public sealed class UnopenableStoreFactory : CouponsApiFactory
{
    public UnopenableStoreFactory()
    {
        // A file where the data folder should be: the store cannot create its database.
        File.WriteAllText(DataDir, "not a folder");
    }

    protected override bool WaitsForReady => false;

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        File.Delete(DataDir);
    }
}

/// <summary>A database capped at a few pages: writes fail as on a full disk once it is full.</summary>
public sealed class FullDiskFactory : CouponsApiFactory
{
    protected override void ConfigureServices(IServiceCollection services) =>
        services.PostConfigure<Coupons.Embedded.EmbeddedStoreOptions>(options => options.MaxPageCount = 13);
}

public sealed class UnopenableStoreTests(UnopenableStoreFactory factory) : ApiTestBase<UnopenableStoreFactory>(factory), IClassFixture<UnopenableStoreFactory>
{
    private const string SomeId = "0198f0f0-0000-7000-8000-000000000000";

    [Fact]
    public async Task Liveness_answers_200_and_readiness_503()
    {
        using (var live = await Anonymous.GetPathAsync("/health/live"))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        // Give the background opener time to fail; it must stay not ready.
        for (var i = 0; i < 10; i++)
        {
            using var ready = await Anonymous.GetPathAsync("/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Store_calls_are_503_storage_unavailable_with_retry_after()
    {
        var (_, user) = NewUser();
        var calls = new Func<Task<HttpResponseMessage>>[]
        {
            () => Admin.GetPathAsync($"/v1/campaigns/{SomeId}"),
            () => Admin.GetPathAsync("/v1/campaigns"),
            () => Admin.PostJsonAsync("/v1/campaigns", CampaignBody()),
            () => Admin.GetPathAsync($"/v1/campaigns/{SomeId}/stats"),
            () => user.PostEmptyAsync($"/v1/campaigns/{SomeId}/claim"),
            () => user.GetPathAsync("/v1/me/coupons"),
            () => user.PostJsonAsync($"/v1/coupons/{SomeId}/lock", Order("o", 2000)),
        };
        foreach (var call in calls)
        {
            using var response = await call();
            await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "storage_unavailable");
            Assert.Equal("1", response.Headers.RetryAfter?.ToString());
        }
    }

    [Fact]
    public async Task Auth_and_validation_still_answer_first()
    {
        using (var anonymous = await Anonymous.GetPathAsync($"/v1/campaigns/{SomeId}"))
        {
            await anonymous.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        }

        using (var wrongRole = await NewUser().Client.PostJsonAsync("/v1/campaigns", CampaignBody()))
        {
            await wrongRole.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        }

        using var invalid = await Admin.PostRawAsync("/v1/campaigns", "{");
        await invalid.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }
}

public sealed class FullDiskTests(FullDiskFactory factory) : ApiTestBase<FullDiskFactory>(factory), IClassFixture<FullDiskFactory>
{
    [Fact]
    public async Task Once_a_write_fails_the_service_answers_503_and_is_not_ready()
    {
        var body = CampaignBody();
        body["name"] = new string('n', 200);
        string? lastCreated = null;
        HttpStatusCode status = HttpStatusCode.Created;
        for (var i = 0; i < 5_000 && status == HttpStatusCode.Created; i++)
        {
            using var response = await Admin.PostJsonAsync("/v1/campaigns", body);
            status = response.StatusCode;
            if (status == HttpStatusCode.Created)
            {
                lastCreated = (await response.AssertStatusAsync(HttpStatusCode.Created)).Str("id");
            }
            else
            {
                await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "storage_unavailable");
            }
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.NotNull(lastCreated);

        using (var ready = await Anonymous.GetPathAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }

        using (var live = await Anonymous.GetPathAsync("/health/live"))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        // Nothing is served that the disk may not hold: reads and writes alike are refused.
        using (var read = await Admin.GetPathAsync($"/v1/campaigns/{lastCreated}"))
        {
            await read.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "storage_unavailable");
        }

        using (var claim = await NewUser().Client.PostEmptyAsync($"/v1/campaigns/{lastCreated}/claim"))
        {
            await claim.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "storage_unavailable");
        }

        using (var more = await Admin.PostJsonAsync("/v1/campaigns", CampaignBody()))
        {
            await more.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "storage_unavailable");
        }
    }
}
