using Coupons.Core;
using Coupons.Core.Codes;
using Microsoft.Data.Sqlite;

namespace Coupons.Embedded;

/// <summary>
/// Codes (<see cref="ICodeStore"/>): generated codes added and listed, claims by code, coupons found
/// by their own code, and a new campaign's shared code. Hashes are in memory (<see cref="CodeIndex"/>);
/// sealed forms and own-code hashes are read from disk (<see cref="SqliteCodeReader"/>).
/// </summary>
public sealed partial class EmbeddedCouponStore : ICodeStore
{
    public async ValueTask<AddCodesResult> AddCodesAsync(Guid campaignId, Guid jobId, IReadOnlyList<NewCode> codes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(codes);
        var log = OpenLogOrThrow();
        cancellationToken.ThrowIfCancellationRequested();
        if (!_campaigns.TryGetValue(campaignId, out var campaign))
        {
            return new AddCodesResult(Outcome.CampaignNotFound, []);
        }

        if (campaign.Status == CampaignStatus.Ended)
        {
            return new AddCodesResult(Outcome.CampaignEnded, []);
        }

        var clashes = new List<int>();
        long sequence;
        lock (_codes.Gate)
        {
            // Added to the index before their record is appended, all under the gate, which whoever
            // looks a code up holds too: nobody finds a code that is not logged. A refused record
            // (overloaded, failed) takes them out again.
            var job = _codes.JobNumberOf(campaign, jobId);
            var added = _codes.AddStep(job, codes, clashes);
            try
            {
                sequence = added.Count == 0 ? log.Appended : log.Append(LogRecord.ForCodes(new CodesAdded(job, campaignId, jobId, added)));
            }
            catch
            {
                _codes.RemoveStep(added);
                throw;
            }
        }

        await log.WhenDurableAsync(sequence, cancellationToken).ConfigureAwait(false);
        return new AddCodesResult(Outcome.Ok, clashes);
    }

    public async ValueTask<CodePage> ListCodesAsync(Guid campaignId, CodeStatus? status, CodeCursor? after, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        OpenLogOrThrow();
        cancellationToken.ThrowIfCancellationRequested();
        // Read from disk, where every answered change already is: nothing newer to wait for.
        var items = await Task.Run(() => ReadCodes(() => _codeReader!.List(campaignId, status, after, limit + 1)), cancellationToken).ConfigureAwait(false);
        var more = items.Count > limit;
        if (more)
        {
            items.RemoveAt(limit);
        }

        return new CodePage(items, more ? items[^1].Cursor : null);
    }

    public async ValueTask<CouponResult> ClaimByCodeAsync(CodeHash code, string userId, string? idempotencyKey, CancellationToken cancellationToken = default)
    {
        var log = OpenLogOrThrow();
        cancellationToken.ThrowIfCancellationRequested();
        var found = _codes.TryFind(code.Value, out var target);
        var claimed = found && target.Kind == CodeKind.Unique ? _codes.ClaimedBy(target.Slot) : null;
        var decision = CodeRules.Decide(found, target.Kind, claimed?.UserId, claimed?.Id, userId);
        if (!decision.Claims)
        {
            if (decision.Outcome == Outcome.CodeAlreadyClaimed)
            {
                CountRejection(target.Campaign, decision.Outcome);
            }

            var answer = decision.Outcome == Outcome.Replayed ? claimed!.ToCoupon(CouponRules.Observe(claimed.ReadState(), NowMs())) : null;
            await log.WhenSeenIsDurableAsync(cancellationToken).ConfigureAwait(false);
            return new CouponResult(decision.Outcome, answer);
        }

        var codeClaim = target.Kind == CodeKind.Unique ? new CodeClaim(target.Slot, target.Job, target.Index) : null;
        return await ClaimAsync(log, target.Campaign, userId, CodeRules.IdempotencyKeyOf(target.Kind, code, idempotencyKey), codeClaim, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<CouponResult> FindCouponByCodeAsync(CouponCodeKey key, CancellationToken cancellationToken = default)
    {
        var log = OpenLogOrThrow();
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var id in await _ownCodeIndex.FindAsync(key.Hash, cancellationToken).ConfigureAwait(false))
        {
            // The index keys on 64 bits of the hash: the coupon's own code says whether it is the one.
            if (CouponOwnCodes.RouteOf(id) == key.Route && _ownCodes.KeyOf(id).Hash == key.Hash && _coupons.TryGetValue(id, out var coupon))
            {
                var state = CouponRules.Observe(coupon.ReadState(), NowMs());
                await log.WhenSeenIsDurableAsync(cancellationToken).ConfigureAwait(false);
                return new CouponResult(Outcome.Ok, coupon.ToCoupon(state));
            }
        }

        return new CouponResult(Outcome.CouponNotFound, null);
    }

    /// <summary>
    /// Appends a new campaign's record and publishes it; with a shared code, under the codes' gate,
    /// refusing a hash another code has. Returns the record's sequence.
    /// </summary>
    private long AppendNewCampaign(GroupCommitLog log, CampaignEntry campaign, long nowMs)
    {
        var record = LogRecord.ForCampaign(campaign.ToRow(), WireNames.Actions.CampaignCreated, null, nowMs);
        if (campaign.Definition.Code is not { } code)
        {
            var sequence = log.Append(record);
            _campaigns[campaign.Id] = campaign;
            return sequence;
        }

        lock (_codes.Gate)
        {
            if (_codes.IsTaken(code.Hash.Value))
            {
                throw new CodeTakenException();
            }

            var sequence = log.Append(record);
            _campaigns[campaign.Id] = campaign;
            _codes.AddShared(code.Hash.Value, campaign);
            return sequence;
        }
    }

    /// <summary>At open, after the coupons: every campaign's shared code and every generated code, claimed ones linked to their coupons.</summary>
    private void RecoverCodes(SqliteConnection connection)
    {
        foreach (var campaign in _campaigns.Values)
        {
            if (campaign.Definition.Code is { } code)
            {
                _codes.AddShared(code.Hash.Value, campaign);
            }
        }

        SqliteCodeSchema.LoadJobs(connection, (number, campaignId, jobId) =>
        {
            // A job is stored with its first codes, so its campaign is stored before it.
            if (!_campaigns.TryGetValue(campaignId, out var campaign))
            {
                throw new InvalidDataException($"codes belong to campaign {campaignId}, which is not stored");
            }

            _codes.AddJob(number, campaign, jobId);
        });
        SqliteCodeSchema.LoadCodes(connection, (job, index, hash, couponId) =>
        {
            CouponEntry? coupon = null;
            if (couponId is { } id && !_coupons.TryGetValue(id, out coupon))
            {
                throw new InvalidDataException($"a code was claimed for coupon {id}, which is not stored");
            }

            _codes.Add(hash, job, index, coupon);
        });
    }

    /// <summary>A read from disk; a database that cannot be read is the store's unavailability, as a failed write is.</summary>
    private static T ReadCodes<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (SqliteException exception)
        {
            throw new StorageUnavailableException("the codes could not be read from disk", exception);
        }
    }
}
