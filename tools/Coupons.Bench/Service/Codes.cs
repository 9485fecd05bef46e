using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Coupons.Client;

namespace Coupons.Bench.Service;

/// <summary>A generated code as the campaign's CSV export gives it.</summary>
public sealed record CodeRow(string Code, string Status, string? UserId, Guid? CouponId);

/// <summary>The code calls the scenarios make, through <see cref="CouponsClient"/>.</summary>
public static class Codes
{
    /// <summary>
    /// <c>POST /v1/codes/claim</c> as <paramref name="user"/>: the coupon's id, or the refusal's code.
    /// Read as a claim by id is (<see cref="Answers.ClaimAnswerAsync"/>): the whole coupon.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<Answer> ClaimByCodeAnswerAsync(this CouponsClient user, string code, string? idempotencyKey, CancellationToken cancellationToken)
    {
        try
        {
            var result = await user.TryClaimByCodeAsync(code, idempotencyKey, cancellationToken);
            return Answer.Of(result, result.Value?.Coupon.Id ?? Guid.Empty);
        }
        catch (Exception exception) when (Answers.IsFailure(exception, cancellationToken))
        {
            return Answers.FailureOf(exception);
        }
    }

    /// <summary>Generates <paramref name="count"/> unique codes for a campaign by a job and waits until it has succeeded; throws when it did not.</summary>
    public static async Task<Job> GenerateCodesAsync(CouponsClient admin, Guid campaignId, long count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var job = await admin.GenerateCodesAsync(campaignId, count, cancellationToken: cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            job = await admin.WaitForJobAsync(job.Id, TimeSpan.FromMilliseconds(100), deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"job {job.Id} did not end within {timeout.TotalSeconds:0} s");
        }

        return job.Status == JobStatus.Succeeded
            ? job
            : throw new InvalidOperationException($"job {job.Id} ended {job.Status.Value}: {string.Join(", ", job.Results.Select(pair => $"{pair.Key} {pair.Value}"))}");
    }

    /// <summary>Every generated code of a campaign, from its CSV export, held in memory.</summary>
    public static async Task<IReadOnlyList<CodeRow>> ExportCodesAsync(CouponsClient admin, Guid campaignId, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        await foreach (var line in admin.ExportCodeLinesAsync(campaignId, cancellationToken: cancellationToken))
        {
            lines.Add(line);
        }

        return CodeCsv.Parse(lines);
    }
}

/// <summary>Reads the codes' CSV export: a header line <c>code,status,userId,couponId,claimedAt</c>, then a code a line.</summary>
public static class CodeCsv
{
    public const string Header = "code,status,userId,couponId,claimedAt";

    public static IReadOnlyList<CodeRow> Parse(string text) => Parse(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));

    public static IReadOnlyList<CodeRow> Parse(IReadOnlyList<string> lines)
    {
        if (lines.Count == 0 || lines[0].TrimEnd('\r') != Header)
        {
            throw new FormatException($"the codes' CSV does not start with '{Header}'");
        }

        var rows = new List<CodeRow>(lines.Count - 1);
        foreach (var line in lines.Skip(1))
        {
            var fields = Fields(line.TrimEnd('\r'));
            if (fields.Count != 5)
            {
                throw new FormatException($"a line of the codes' CSV has {fields.Count} fields, not 5");
            }

            rows.Add(new CodeRow(fields[0], fields[1], fields[2].Length == 0 ? null : fields[2],
                Guid.TryParse(fields[3], CultureInfo.InvariantCulture, out var coupon) ? coupon : null));
        }

        return rows;
    }

    /// <summary>A line's fields: RFC 4180 quoting (a user id may hold a comma or a quote).</summary>
    private static List<string> Fields(string line)
    {
        var fields = new List<string>(5);
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted && c == '"' && i + 1 < line.Length && line[i + 1] == '"')
            {
                field.Append('"');
                i++;
            }
            else if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return fields;
    }
}
