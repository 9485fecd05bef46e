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
/// one, so the cores that derive are not idle while the store writes, nor the store while they
/// derive. The next step's first part is made while a step's last part is stored and the runner
/// commits the step; the next call takes it only if it is for that very job and place, and the
/// codes are the same either way.
/// </remarks>
public sealed class CodeGenerationHandler(ICodeStore codes, CodeProtector protector, int stepSize = 10_000, int partSize = 5_000) : IJobHandler
{
    public const string Ok = "ok";

    /// <summary>A clash needs a 2⁻⁵⁴ coincidence at the default length; 8 attempts in a row never come.</summary>
    public const int MaxAttempts = 8;

    /// <summary>The result of a code that clashed <see cref="MaxAttempts"/> times (possible only with very short codes and a huge index).</summary>
    public const string Clashed = "code_clash";

    private MadeAhead? _madeAhead;

    public string Kind => JobKinds.Codes;

    public async ValueTask<JobStep> RunStepAsync(Job job, long from, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var campaignId = job.CampaignId ?? throw new InvalidOperationException($"generation job {job.Id} has no campaign");
        var parameters = CodeGenerationParameters.FromJson(job.Parameters);
        var count = (int)Math.Min(stepSize, job.Total - from);
        var pending = Indexes(from, count);
        var following = from + count;
        for (var attempt = 0; attempt < MaxAttempts && pending.Count > 0; attempt++)
        {
            var work = new Attempt(job.Id, campaignId, parameters, attempt);
            // The first attempt at a step begins with the part made ahead while the step before ended,
            // and makes the next step's first part while its own last part is stored and the step committed.
            var first = attempt == 0 ? TakeMadeAhead(job.Id, from) : null;
            var ahead = attempt == 0 && following < job.Total ? new MadeAhead(job.Id, following, (int)Math.Min(partSize, Math.Min(stepSize, job.Total - following)), null) : null;
            var (refused, clashed) = await StoreAsync(work, pending, first, ahead, cancellationToken).ConfigureAwait(false);
            if (refused is { } outcome)
            {
                // The campaign is gone or ended: no code of the job can be made any more.
                Forget(Interlocked.Exchange(ref _madeAhead, null));
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
    /// next part made while the store takes the one before (the first part: <paramref name="first"/>
    /// when made ahead). With the last part, starts making <paramref name="ahead"/>'s. Returns the
    /// indexes whose codes clashed, or the outcome the store refused the campaign's codes with.
    /// </summary>
    private async ValueTask<(Outcome? Refused, List<long> Clashed)> StoreAsync(
        Attempt attempt, List<long> indexes, Task<NewCode[]>? first, MadeAhead? ahead, CancellationToken cancellationToken)
    {
        var clashed = new List<long>();
        var part = first is null ? Make(attempt, indexes, 0) : await first.ConfigureAwait(false);
        for (var start = 0; start < indexes.Count; start += partSize)
        {
            var nextStart = start + partSize;
            var next = nextStart < indexes.Count ? Task.Run(() => Make(attempt, indexes, nextStart), CancellationToken.None) : null;
            if (next is null && ahead is not null)
            {
                MakeAhead(attempt, ahead);
            }

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

    /// <summary>Starts making the first part of the step at <paramref name="ahead"/>'s place, for the next call to take.</summary>
    private void MakeAhead(Attempt attempt, MadeAhead ahead)
    {
        var indexes = Indexes(ahead.From, ahead.Count);
        var made = ahead with { Codes = Task.Run(() => Make(attempt with { Number = 0 }, indexes, 0), CancellationToken.None) };
        Forget(Interlocked.Exchange(ref _madeAhead, made));
    }

    /// <summary>
    /// The first part of the step of job <paramref name="jobId"/> at <paramref name="from"/>, if it
    /// was made ahead (the very codes <see cref="Make"/> would make now: they depend on the job, the
    /// index and the attempt alone); anything else made ahead is dropped.
    /// </summary>
    private Task<NewCode[]>? TakeMadeAhead(Guid jobId, long from)
    {
        var made = Interlocked.Exchange(ref _madeAhead, null);
        if (made is { Codes: { } codes } && made.JobId == jobId && made.From == from)
        {
            return codes;
        }

        Forget(made);
        return null;
    }

    /// <summary>Codes made ahead and not wanted (another job, or a step redone elsewhere): a failure to make them is of no interest.</summary>
    private static void Forget(MadeAhead? made) =>
        made?.Codes?.ContinueWith(static task => task.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    private static List<long> Indexes(long from, int count)
    {
        var indexes = new List<long>(count);
        for (var i = 0L; i < count; i++)
        {
            indexes.Add(from + i);
        }

        return indexes;
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

    /// <summary>The first part (<paramref name="Count"/> codes) of the step of <paramref name="JobId"/> at <paramref name="From"/>, being made ahead.</summary>
    private sealed record MadeAhead(Guid JobId, long From, int Count, Task<NewCode[]>? Codes);
}
