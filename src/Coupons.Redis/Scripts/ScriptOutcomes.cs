using Coupons.Core;
using StackExchange.Redis;

namespace Coupons.Redis;

/// <summary>The outcome codes the scripts answer with (<c>ok</c>, <c>replayed</c>, a refusal's snake_case code), as outcomes.</summary>
internal static class ScriptOutcomes
{
    private static readonly Dictionary<string, Outcome> ByCode = Build();

    public static Outcome Of(RedisResult code) => ByCode[(string)code!];

    private static Dictionary<string, Outcome> Build()
    {
        var outcomes = OutcomeCodes.Refusals.ToDictionary(o => o.ToCode(), StringComparer.Ordinal);
        outcomes["ok"] = Outcome.Ok;
        outcomes["replayed"] = Outcome.Replayed;
        return outcomes;
    }
}
