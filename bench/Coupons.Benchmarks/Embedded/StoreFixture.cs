using System.Globalization;
using Coupons.Core;
using Coupons.Embedded;

namespace Coupons.Benchmarks.Embedded;

/// <summary>
/// An embedded store opened on a fresh temporary data folder with one active campaign whose stock
/// cannot run out during a run. Claims go to a rotating set of users, each using a new idempotency
/// key per claim as the API requires, all strings made up front so the benchmark itself allocates
/// nothing the store would not.
/// </summary>
internal sealed class StoreFixture : IDisposable
{
    private const int UserCount = 10_000;

    private readonly string[] _users;
    private readonly string[] _keys;
    private int _claims;

    public StoreFixture()
    {
        DataDir = Path.Combine(Path.GetTempPath(), "coupons-benchmarks", Guid.NewGuid().ToString("N"));
        Store = new EmbeddedCouponStore(new EmbeddedStoreOptions { DataDir = DataDir }, TimeProvider.System, BenchCodes.Own);
        Store.Open();
        var terms = new CampaignDefinition
        {
            Name = "Benchmark campaign",
            Discount = Discount.AmountOffOf(500),
            PerUserLimit = CampaignDefinition.MaxPerUserLimit,
            Validity = Validity.Relative(30),
        };
        CampaignId = Store.CreateCampaignAsync(terms, CampaignDefinition.MaxStock).AsTask().GetAwaiter().GetResult().Id;
        _users = [.. Enumerable.Range(0, UserCount).Select(i => "user-" + i.ToString("D5", CultureInfo.InvariantCulture))];
        _keys = [.. Enumerable.Range(0, CampaignDefinition.MaxPerUserLimit).Select(i => "claim-" + i.ToString(CultureInfo.InvariantCulture))];
    }

    public string DataDir { get; }

    public EmbeddedCouponStore Store { get; }

    public Guid CampaignId { get; }

    /// <summary>Starts the next claim; it runs on the caller's thread until it waits for the commit.</summary>
    public ValueTask<CouponResult> ClaimNextAsync()
    {
        var claim = _claims++;
        var round = claim / UserCount;
        if (round >= _keys.Length)
        {
            throw new InvalidOperationException("every user reached the per-user limit; the run is longer than this fixture allows");
        }

        return Store.ClaimAsync(CampaignId, _users[claim % UserCount], _keys[round]);
    }

    /// <summary>Claims <paramref name="count"/> coupons, <paramref name="inFlight"/> at a time, for benchmarks of what follows a claim.</summary>
    public async Task<Coupon[]> ClaimManyAsync(int count, int inFlight)
    {
        var coupons = new Coupon[count];
        var pending = new ValueTask<CouponResult>[inFlight];
        for (var start = 0; start < count; start += inFlight)
        {
            var size = Math.Min(inFlight, count - start);
            for (var i = 0; i < size; i++)
            {
                pending[i] = ClaimNextAsync();
            }

            for (var i = 0; i < size; i++)
            {
                coupons[start + i] = Expect.Ok(await pending[i]).Coupon!;
            }
        }

        return coupons;
    }

    public void Dispose()
    {
        Store.Dispose();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temporary folder does not fail a run.
        }
    }
}

/// <summary>Fails the run on an unexpected answer, so a refusal is never measured as if it were the real path.</summary>
internal static class Expect
{
    public static CouponResult Ok(CouponResult result) =>
        result.Outcome == Outcome.Ok ? result : throw Unexpected(result.Outcome);

    public static Redemption Ok(Redemption result) =>
        result.Outcome == Outcome.Ok ? result : throw Unexpected(result.Outcome);

    public static void NoClash(Coupons.Core.Codes.AddCodesResult result)
    {
        if (result.Outcome != Outcome.Ok || result.Clashes.Count > 0)
        {
            throw result.Outcome != Outcome.Ok ? Unexpected(result.Outcome) : new InvalidOperationException($"{result.Clashes.Count} codes clashed");
        }
    }

    private static InvalidOperationException Unexpected(Outcome outcome) => new($"the store answered {outcome.ToCode()}");
}
