using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Coupons.Core;
using StackExchange.Redis;

namespace Coupons.Redis;

/// <summary>
/// A Lua script shipped with the store: called by its SHA1 (EVALSHA), and sent whole (EVAL, which
/// also caches it on that node) only when a node answers that it does not know it, as after a
/// restart or on a node of the cluster it has not run on yet.
/// </summary>
internal sealed class Script
{
    private Script(string name, string text)
    {
        Name = name;
        Text = text;
        Hash = SHA1.HashData(Encoding.UTF8.GetBytes(text));
        SpanName = "EVALSHA " + name;
    }

    public string Name { get; }
    public string Text { get; }
    public byte[] Hash { get; }

    /// <summary>Its span's name, as OpenTelemetry's database conventions give it (operation, then target).</summary>
    public string SpanName { get; }

    public static readonly Script Claim = Load("claim");
    public static readonly Script Create = Load("create");
    public static readonly Script Status = Load("status");
    public static readonly Script Stock = Load("stock");
    public static readonly Script Transition = Load("transition", "changecoupon");
    public static readonly Script OrderStore = Load("orderstore", "orderrecord");
    public static readonly Script OrderApply = Load("orderapply", "changecoupon", "orderrecord");
    public static readonly Script SetStatus = Load("setstatus");
    public static readonly Script Take = Load("take");
    public static readonly Script Give = Load("give");
    public static readonly Script RateLimit = Load("ratelimit");
    public static readonly Script Window = Load("window");
    public static readonly Script JobCreate = Load("jobcreate");
    public static readonly Script JobAppend = Load("jobappend");
    public static readonly Script JobStore = Load("jobstore");
    public static readonly Script AddCodes = Load("addcodes");
    public static readonly Script ListCodes = Load("listcodes");
    public static readonly Script SharedCode = Load("sharedcode");
    public static readonly Script ClaimCode = Load("claimcode");
    public static readonly Script CompleteCode = Load("completecode");
    public static readonly Script ReleaseCode = Load("releasecode");

    /// <summary>
    /// The scripts a claim may run (by id or by code, borrowing stock, through the shared rate
    /// limits and signals): loaded on every primary ahead of a sale, so the crowd's first claims
    /// are not each answered NOSCRIPT and sent again whole.
    /// </summary>
    public static readonly IReadOnlyList<Script> ClaimPath = [Claim, Take, Give, ClaimCode, CompleteCode, ReleaseCode, RateLimit, Window];

    /// <summary>
    /// Runs the script on <paramref name="db"/>; when that is a batch, whose commands go out only
    /// when it is executed, <paramref name="retryOn"/> is the database that sends the whole script
    /// if the node does not know it.
    /// </summary>
    public async Task<RedisResult> RunAsync(IDatabaseAsync db, RedisKey[] keys, RedisValue[] values, IDatabaseAsync? retryOn = null)
    {
        var startedAt = Stopwatch.GetTimestamp();
        using var span = ScriptMetrics.StartSpan(this);
        try
        {
            RedisResult answer;
            try
            {
                answer = await db.ScriptEvaluateAsync(Hash, keys, values).ConfigureAwait(false);
            }
            catch (RedisServerException exception) when (exception.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
            {
                span?.AddEvent(new ActivityEvent("NOSCRIPT: sent whole"));
                answer = await (retryOn ?? db).ScriptEvaluateAsync(Text, keys, values).ConfigureAwait(false);
            }

            ScriptMetrics.Ran(Name, startedAt);
            return answer;
        }
        catch (Exception exception)
        {
            ScriptMetrics.Failed(Name);
            Tracing.Failed(span, exception);
            throw;
        }
    }

    /// <summary>The script <paramref name="name"/>.lua, after the fragments <paramref name="fragments"/> (.lua: functions it shares with other scripts).</summary>
    private static Script Load(string name, params string[] fragments) =>
        new(name, string.Join("\n", [.. fragments.Select(Read), Read(name)]));

    private static string Read(string name)
    {
        using var stream = typeof(Script).Assembly.GetManifestResourceStream($"Coupons.Redis.Scripts.{name}.lua")
            ?? throw new InvalidOperationException($"the script {name}.lua is not in the assembly");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
