using Coupons.Api.Tests.Infrastructure;
using Coupons.Client;

namespace Coupons.Api.Tests.Client;

/// <summary>What the client tests against the real service share: a client, callers in each role, a job waited for.</summary>
public abstract class ClientTestBase(CouponsApiFactory factory)
{
    protected CouponsClient Client { get; } = new(factory.CreateClient());

    protected CouponsClient Admin => Client.WithBearerToken(CouponsApiFactory.Token("admin-" + Unique(), "admin"));

    protected CouponsClient Service => Client.WithBearerToken(CouponsApiFactory.Token("order-system", "service"));

    protected static string Unique() => Guid.NewGuid().ToString("N")[..12];

    /// <summary>The job as it ended; the bound only keeps a broken job runner from hanging the run.</summary>
    protected static async Task<Job> WaitAsync(CouponsClient caller, Guid jobId)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        return await caller.WaitForJobAsync(jobId, TimeSpan.FromMilliseconds(50), bound.Token);
    }

    protected CouponsClient User(string userId) => Client.WithBearerToken(CouponsApiFactory.Token(userId));
}
