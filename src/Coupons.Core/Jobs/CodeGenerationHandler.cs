using System.Text.Json;
using Coupons.Core.Codes;

namespace Coupons.Core.Jobs;

/// <summary>The parameters of a generation job, as its <see cref="JobSpec.Parameters"/> keep them.</summary>
public sealed record CodeGenerationParameters(string Prefix, int Length)
{
    public string ToJson() => JsonSerializer.Serialize(new Dictionary<string, object> { ["prefix"] = Prefix, ["length"] = Length });

    public static CodeGenerationParameters FromJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return new CodeGenerationParameters(root.GetProperty("prefix").GetString() ?? string.Empty, root.GetProperty("length").GetInt32());
    }
}

/// <summary>
/// Generation: the job's inputs are the indexes 0 .. count − 1, each one code of the campaign. Each
/// code is derived from (job, index, attempt) under the code keys (<see cref="CodeDerivation"/>),
/// sealed for the campaign and stored by its hash; a step redone after a crash derives and stores
/// the very same codes, which the store keeps as they are. A code whose hash another code already
/// has is derived again with the next attempt, up to <see cref="MaxAttempts"/>.
/// </summary>
/// <remarks>
/// A step's codes go to the store in parts of <paramref name="partSize"/>, one call each, in index
/// order and each after the one before has answered (so of two codes with one hash the lower index
/// wins, as in one call); the next part is derived and sealed while the store takes the current
/// one, so the cores that derive are not idle while the store writes, nor the store while they derive.
/// </remarks>
public sealed class CodeGenerationHandler(ICodeStore codes, CodeProtector protector, int stepSize = 10_000, int partSize = 2_500) : IJobHandler
{
    public const string Ok = "ok";

    /// <summary>A clash needs a 2⁻⁵⁴ coincidence at the default length; 8 attempts in a row never come.</summary>
    public const int MaxAttempts = 8;

    /// <summary>The result of a code that clashed <see cref="MaxAttempts"/> times (possible only with very short codes and a huge index).</summary>
    public const string Clashed = "code_clash";

    public string Kind => JobKinds.Codes;

    public async ValueTask<JobStep> RunStepAsync(Job job, long from, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var campaignId = job.CampaignId ?? throw new InvalidOperationException($"generation job {job.Id} has no campaign");
        var parameters = CodeGenerationParameters.FromJson(job.Parameters);
        var count = (int)Math.Min(stepSize, job.Total - from);
        var pending = new List<long>(count);
        for (var i = 0L; i < count; i++)
        {
            pending.Add(from + i);
        }

        for (var attempt = 0; attempt < MaxAttempts && pending.Count > 0; attempt++)
        {
            var (refused, clashed) = await StoreAsync(new Attempt(job.Id, campaignId, parameters, attempt), pending, cancellationToken).ConfigureAwait(false);
            if (refused is { } outcome)
            {
                // The campaign is gone or ended: no code of the job can be made any more.
                return new JobStep(from, job.Total, new Dictionary<string, long> { [outcome.ToCode()] = job.Total - from }, []);
            }

            pending = clashed;
        }

        var results = new Dictionary<string, long> { [Ok] = count - pending.Count };
        if (pending.Count > 0)
        {
            results[Clashed] = pending.Count;
        }

        var failures = pending.Select(index => new JobFailure(index, index.ToString(System.Globalization.CultureInfo.InvariantCulture), Clashed)).ToList();
        return new JobStep(from, from + count, results, failures);
    }

    /// <summary>
    /// Makes and stores the codes at <paramref name="indexes"/> for one attempt, part by part, the
    /// next part made while the store takes the one before. Returns the indexes whose codes clashed,
    /// or the outcome the store refused the campaign's codes with.
    /// </summary>
    private async ValueTask<(Outcome? Refused, List<long> Clashed)> StoreAsync(Attempt attempt, List<long> indexes, CancellationToken cancellationToken)
    {
        var clashed = new List<long>();
        var part = Make(attempt, indexes, 0);
        for (var start = 0; start < indexes.Count; start += partSize)
        {
            var nextStart = start + partSize;
            var next = nextStart < indexes.Count ? Task.Run(() => Make(attempt, indexes, nextStart), CancellationToken.None) : null;
            AddCodesResult added;
            try
            {
                added = await codes.AddCodesAsync(attempt.CampaignId, attempt.JobId, part, cancellationToken).ConfigureAwait(false);
            }
            catch when (next is not null)
            {
                // Nothing is left running behind a failed step.
                await ((Task)next).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                throw;
            }

            if (!added.Outcome.IsSuccess())
            {
                return (added.Outcome, clashed);
            }

            clashed.AddRange(added.Clashes.Select(position => indexes[start + position]));
            if (next is null)
            {
                break;
            }

            part = await next.ConfigureAwait(false);
        }

        return (null, clashed);
    }

    /// <summary>
    /// Derives, seals and hashes the codes of the part of <paramref name="indexes"/> from
    /// <paramref name="start"/>, split over the cores (about 2.4 µs of CPU a code: a quarter second
    /// a core for a step's 10,000 would hold a step up for nothing).
    /// </summary>
    private NewCode[] Make(Attempt attempt, List<long> indexes, int start)
    {
        var batch = new NewCode[Math.Min(partSize, indexes.Count - start)];
        var parts = Math.Clamp(batch.Length / 1_000, 1, Environment.ProcessorCount);
        Parallel.For(0, parts, part =>
        {
            Span<char> code = stackalloc char[CouponCodes.MaxCodeLength];
            for (var i = part * batch.Length / parts; i < (part + 1) * batch.Length / parts; i++)
            {
                var index = indexes[start + i];
                var length = CodeDerivation.ForJob(protector, attempt.JobId, index, attempt.Number, attempt.Parameters.Prefix, attempt.Parameters.Length, code);
                var sealedCode = new byte[CodeProtector.ProtectedLength(length)];
                protector.Protect(code[..length], attempt.CampaignId, sealedCode);
                batch[i] = new NewCode(index, protector.HashOf(code[..length]), sealedCode);
            }
        });
        return batch;
    }

    /// <summary>One attempt at a step's codes: whose they are, how they look, and which derivation.</summary>
    private sealed record Attempt(Guid JobId, Guid CampaignId, CodeGenerationParameters Parameters, int Number);
}
