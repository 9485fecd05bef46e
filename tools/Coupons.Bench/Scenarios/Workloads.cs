using System.Collections.Concurrent;
using Coupons.Bench.Load;
using Coupons.Client;

namespace Coupons.Bench.Scenarios;

/// <summary>What a ramp or soak sends: claims, the claim/redeem mix, or the baseline's constant endpoint.</summary>
public enum WorkloadKind
{
    Claim,
    Mix,
    Constant,
    /// <summary>Claims by a shared code with a new Idempotency-Key each: the work of <see cref="Claim"/>, by code.</summary>
    Code,
    /// <summary>Claims by id with a new Idempotency-Key each: the key work of <see cref="Code"/>, by id.</summary>
    KeyedClaim,

    /// <summary><see cref="Mix"/> with two-coupon orders on the redeem side (<see cref="OrderMixWorkload"/>).</summary>
    OrderMix,
}

/// <summary>A ratio such as 3:7 of claims to redemptions.</summary>
public readonly record struct Ratio(int Claims, int Redemptions)
{
    public static Ratio Parse(string text)
    {
        var parts = text.Split(':');
        if (parts.Length != 2 || !int.TryParse(parts[0], out var claims) || !int.TryParse(parts[1], out var redemptions)
            || claims < 0 || redemptions < 0 || claims + redemptions == 0 || claims > 1000 || redemptions > 1000)
        {
            throw new FormatException($"'{text}' is not a ratio like 3:7");
        }

        return new Ratio(claims, redemptions);
    }

    public override string ToString() => $"{Claims}:{Redemptions}";
}

/// <summary>Builds the workload of a ramp or soak, with the campaign and coupon pool it needs.</summary>
internal sealed class WorkloadFactory
{
    /// <summary>How a claim by code differs from a claim by id on the wire, for every report that sets them side by side.</summary>
    public const string CodeRequestShape =
        "claims by shared code (POST /v1/codes/claim, a 29-byte JSON body {\"code\":\"BENCH-…\"} and a new Idempotency-Key each; a claim by id is POST /v1/campaigns/{id}/claim with no body, with no key or with a new key each)";

    private readonly BenchContext _context;
    private readonly WorkloadKind _kind;
    private readonly Ratio _ratio;
    private readonly string _constantPath;
    private readonly string[] _tokens;
    private readonly CouponsClient[] _users;
    private readonly ConcurrentQueue<Guid> _pool = new();
    private readonly ConcurrentQueue<(Guid First, Guid Second)> _pairs = new();
    private readonly List<OrderMixWorkload> _orderWorkloads = [];
    private Guid[]? _stackable;
    private Guid _campaignId;
    private string? _sharedCode;

    public WorkloadFactory(BenchContext context, WorkloadKind kind, Ratio ratio, string constantPath)
    {
        _context = context;
        _kind = kind;
        _ratio = ratio;
        _constantPath = constantPath;
        _tokens = context.Tokens.Users($"u{Guid.NewGuid().ToString("N")[..6]}-", context.Options.Users);
        _users = context.Client.As(_tokens);
    }

    public string Describe() => _kind switch
    {
        WorkloadKind.Claim => "claims",
        WorkloadKind.KeyedClaim => "claims with a new Idempotency-Key each",
        WorkloadKind.Mix => $"mix {_ratio} (claims : lock+redeem)",
        WorkloadKind.OrderMix => $"mix {_ratio} (claims : lock+redeem of a two-coupon order)",
        WorkloadKind.Code => CodeRequestShape,
        _ => $"POST {_constantPath} (baseline)",
    };

    /// <summary>The workload for a phase at <paramref name="requestsPerSecond"/> lasting <paramref name="seconds"/> (pool filled as needed).</summary>
    public async Task<IWorkload> ForPhaseAsync(double requestsPerSecond, double seconds, CancellationToken cancellationToken)
    {
        if (_kind == WorkloadKind.Constant)
        {
            return new ConstantWorkload(_context.Client, _constantPath, _tokens);
        }

        if (_kind == WorkloadKind.OrderMix)
        {
            return await OrderMixAsync(requestsPerSecond, seconds, cancellationToken);
        }

        if (_campaignId == Guid.Empty && _kind == WorkloadKind.Code)
        {
            _sharedCode = $"BENCH-{Guid.NewGuid().ToString("N")[..12].ToUpperInvariant()}";
            _campaignId = await _context.CreateCampaignAsync("bench code", 1_000_000_000, 1_000, cancellationToken, _sharedCode);
        }
        else if (_campaignId == Guid.Empty)
        {
            _campaignId = await _context.CreateCampaignAsync($"bench {_kind}", 1_000_000_000, 1_000, cancellationToken);
        }

        if (_kind is WorkloadKind.Claim or WorkloadKind.KeyedClaim)
        {
            return new ClaimWorkload(_campaignId, _users, keyed: _kind == WorkloadKind.KeyedClaim);
        }

        if (_kind == WorkloadKind.Code)
        {
            return new CodeClaimWorkload(_sharedCode!, _users);
        }

        var mix = new MixWorkload(_campaignId, _users, _context.Service, _pool, _ratio.Claims, _ratio.Redemptions);
        await _context.FillPoolAsync(_campaignId, _users, _pool, mix.PoolNeeded(requestsPerSecond, seconds), cancellationToken);
        return mix;
    }

    /// <summary>Every order workload made so far, for the verifier (<see cref="OrderMixVerifier"/>).</summary>
    public IReadOnlyList<OrderMixWorkload> OrderWorkloads => _orderWorkloads;

    private async Task<IWorkload> OrderMixAsync(double requestsPerSecond, double seconds, CancellationToken cancellationToken)
    {
        _stackable ??= [
            await _context.CreateCampaignAsync("bench orders A", 1_000_000_000, 1_000, cancellationToken, stacking: "stackable"),
            await _context.CreateCampaignAsync("bench orders B", 1_000_000_000, 1_000, cancellationToken, stacking: "stackable"),
        ];
        var mix = new OrderMixWorkload(_stackable, _users, _context.Service, _pairs, _ratio.Claims, _ratio.Redemptions);
        await _context.FillPairsAsync(_stackable, _users, _pairs, mix.PairsNeeded(requestsPerSecond, seconds), cancellationToken);
        _orderWorkloads.Add(mix);
        return mix;
    }
}
