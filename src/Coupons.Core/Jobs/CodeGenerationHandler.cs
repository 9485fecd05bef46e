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
public sealed class CodeGenerationHandler(ICodeStore codes, CodeProtector protector, int stepSize = 10_000) : IJobHandler
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
            var batch = Make(job.Id, campaignId, parameters, pending, attempt);
            var added = await codes.AddCodesAsync(campaignId, job.Id, batch, cancellationToken).ConfigureAwait(false);
            if (!added.Outcome.IsSuccess())
            {
                // The campaign is gone or ended: no code of the job can be made any more.
                return new JobStep(from, job.Total, new Dictionary<string, long> { [added.Outcome.ToCode()] = job.Total - from }, []);
            }

            pending = [.. added.Clashes.Select(position => pending[position])];
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
    /// Derives, seals and hashes the codes at <paramref name="indexes"/>, split over the cores (about
    /// 2.4 µs of CPU a code: half a second a core for 10,000 would hold a step up for nothing).
    /// </summary>
    private NewCode[] Make(Guid jobId, Guid campaignId, CodeGenerationParameters parameters, List<long> indexes, int attempt)
    {
        var batch = new NewCode[indexes.Count];
        var parts = Math.Clamp(indexes.Count / 1_000, 1, Environment.ProcessorCount);
        Parallel.For(0, parts, part =>
        {
            Span<char> code = stackalloc char[CouponCodes.MaxCodeLength];
            for (var i = part * batch.Length / parts; i < (part + 1) * batch.Length / parts; i++)
            {
                var length = CodeDerivation.ForJob(protector, jobId, indexes[i], attempt, parameters.Prefix, parameters.Length, code);
                var sealedCode = new byte[CodeProtector.ProtectedLength(length)];
                protector.Protect(code[..length], campaignId, sealedCode);
                batch[i] = new NewCode(indexes[i], protector.HashOf(code[..length]), sealedCode);
            }
        });
        return batch;
    }
}
