using Coupons.Core;
using Coupons.Core.Checkout;
using Coupons.Core.Codes;
using Microsoft.Data.Sqlite;

namespace Coupons.Embedded;

/// <summary>
/// Writes one group commit's batch in one transaction: each coupon's row (upserted with its whole
/// state), campaign rows, the campaigns' counter deltas, and every change's audit row, so that a
/// change and its audit line are durable together. Owns the read-write connection; used by one
/// thread at a time (recovery reads through the connection first, then only the writer thread).
/// </summary>
/// <remarks>
/// The statements run for every batch or every row (the transaction, the coupon upsert, the audit
/// insert) are <see cref="NativeStatement"/>s: nothing allocated per row. ADO.NET commands are kept
/// for the rare rows (campaigns, counters).
/// </remarks>
internal sealed class SqliteBatchWriter : IDisposable
{
    /// <summary>Generated codes a statement inserts (4 values each, far below SQLite's limit of bound values).</summary>
    private const int CodesPerInsert = 50;

    private readonly SqliteConnection _connection;
    private readonly NativeStatement _begin;
    private readonly NativeStatement _commit;
    private readonly NativeStatement _rollback;
    private readonly NativeStatement _upsertCoupon;
    private readonly NativeStatement _insertAudit;
    private readonly NativeStatement _insertCodeJob;
    private readonly NativeStatement _insertCode;
    private readonly NativeStatement _insertCodes;
    private readonly NativeStatement _claimCode;
    private readonly NativeStatement _upsertOrder;
    private readonly SqliteCommand _upsertCampaign;
    private readonly SqliteCommand _addCounters;
    private readonly SqliteCommand _setRejected;

    /// <summary>Prepares the writer's statements on <paramref name="connection"/>, which it owns from then on.</summary>
    public SqliteBatchWriter(SqliteConnection connection)
    {
        _connection = connection;
        _begin = new NativeStatement(connection, "BEGIN IMMEDIATE");
        _commit = new NativeStatement(connection, "COMMIT");
        _rollback = new NativeStatement(connection, "ROLLBACK");
        _upsertCoupon = new NativeStatement(connection, """
            INSERT INTO coupons (id, campaign_id, user_id, claimed_at, idempotency_key, status, valid_from, valid_to,
                                 order_id, order_amount, lock_expires_at, used_at, refunded_order_id, code_hash,
                                 order_shipping, order_discount)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, order_id = excluded.order_id,
                order_amount = excluded.order_amount, lock_expires_at = excluded.lock_expires_at,
                used_at = excluded.used_at, refunded_order_id = excluded.refunded_order_id,
                order_shipping = excluded.order_shipping, order_discount = excluded.order_discount
            """);
        _insertAudit = new NativeStatement(connection, """
            INSERT INTO audit (at, actor_id, actor_role, actor_ip, action, subject, campaign_id, owner, order_id, before, after)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
            """);
        // Written with every step of the job: its first may have been refused before it was durable.
        _insertCodeJob = new NativeStatement(connection, "INSERT INTO code_jobs (number, campaign_id, job_id) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING");
        _insertCode = new NativeStatement(connection, InsertCodes(1));
        _insertCodes = new NativeStatement(connection, InsertCodes(CodesPerInsert));
        _claimCode = new NativeStatement(connection, "UPDATE codes SET user_id = ?1, coupon_id = ?2, claimed_at = ?3 WHERE job = ?4 AND idx = ?5");
        _upsertOrder = new NativeStatement(connection, SqliteOrders.Upsert);
        _upsertCampaign = Prepare("""
            INSERT INTO campaigns (id, name, discount_kind, amount_off, percent_off, max_discount, threshold,
                                   min_order_amount, per_user_limit, claim_starts_at, claim_ends_at,
                                   valid_from, valid_to, valid_days, lock_ttl_seconds, status, total_stock, created_at, code_hash, code_sealed, checkout)
            VALUES ($id, $name, $discount_kind, $amount_off, $percent_off, $max_discount, $threshold,
                    $min_order_amount, $per_user_limit, $claim_starts_at, $claim_ends_at,
                    $valid_from, $valid_to, $valid_days, $lock_ttl_seconds, $status, $total_stock, $created_at, $code_hash, $code_sealed, $checkout)
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, total_stock = excluded.total_stock
            """,
            "$id", "$name", "$discount_kind", "$amount_off", "$percent_off", "$max_discount", "$threshold",
            "$min_order_amount", "$per_user_limit", "$claim_starts_at", "$claim_ends_at",
            "$valid_from", "$valid_to", "$valid_days", "$lock_ttl_seconds", "$status", "$total_stock", "$created_at", "$code_hash", "$code_sealed", "$checkout");
        _addCounters = Prepare(
            "UPDATE campaigns SET released = released + $released, refunded = refunded + $refunded WHERE id = $id",
            "$id", "$released", "$refunded");
        _setRejected = Prepare("UPDATE campaigns SET rejected = $rejected WHERE id = $id", "$id", "$rejected");
    }

    /// <summary>Writes one batch in one transaction; returns once it is committed to disk.</summary>
    /// <remarks>
    /// The transaction is begun and committed by prepared statements rather than an ADO.NET
    /// transaction object (which makes two commands per batch); the ADO.NET commands of the rarer
    /// rows run inside it all the same, the connection having no transaction object of its own.
    /// </remarks>
    public void WriteBatch(List<LogRecord> records, List<CampaignEntry> dirtyCounters)
    {
        _begin.Execute();
        try
        {
            Dictionary<Guid, (long Released, long Refunded)>? counterDeltas = null;
            foreach (var record in records)
            {
                if (record.Campaign is { } campaign)
                {
                    WriteCampaign(campaign);
                }
                else if (record.Coupon is not null)
                {
                    WriteCoupon(record);
                    AddCounterDeltas(ref counterDeltas, record);
                }
                else if (record.Codes is { } codes)
                {
                    WriteCodes(codes);
                }
                else if (record.Order is { } order)
                {
                    WriteOrder(order);
                }

                if (record.Audit is { } audit)
                {
                    WriteAudit(audit);
                }
            }

            WriteCounters(counterDeltas, dirtyCounters);
            _commit.Execute();
        }
        catch
        {
            // Nothing of the batch stays; the log is failed for good by its caller anyway.
            RollbackQuietly();
            throw;
        }
    }

    public void Dispose()
    {
        // Every statement is finalized before the connection closes: one left over would keep it open.
        _begin.Dispose();
        _commit.Dispose();
        _rollback.Dispose();
        _upsertCoupon.Dispose();
        _insertAudit.Dispose();
        _insertCodeJob.Dispose();
        _insertCode.Dispose();
        _insertCodes.Dispose();
        _claimCode.Dispose();
        _upsertOrder.Dispose();
        _upsertCampaign.Dispose();
        _addCounters.Dispose();
        _setRejected.Dispose();
        _connection.Dispose();
    }

    private void RollbackQuietly()
    {
        try
        {
            _rollback.Execute();
        }
        catch (SqliteException)
        {
            // SQLite may have rolled back already (a full disk does); the first failure is what counts.
        }
    }

    private void WriteCoupon(in LogRecord record)
    {
        var coupon = record.Coupon!;
        var state = record.State;
        var upsert = _upsertCoupon;
        upsert.Bind(1, coupon.Id);
        upsert.Bind(2, coupon.Campaign.Id);
        upsert.Bind(3, coupon.UserId);
        upsert.Bind(4, coupon.ClaimedAtMs);
        upsert.Bind(5, coupon.IdempotencyKey);
        upsert.Bind(6, (int)state.Status);
        upsert.Bind(7, state.ValidFromMs);
        upsert.Bind(8, state.ValidToMs);
        upsert.Bind(9, state.OrderId);
        upsert.Bind(10, state.OrderAmount);
        upsert.Bind(11, state.LockExpiresAtMs);
        upsert.Bind(12, state.UsedAtMs);
        upsert.Bind(13, state.RefundedOrderId);
        // Only a claim inserts; a later change leaves the stored hash as it is.
        upsert.Bind(14, record.OwnCode);
        upsert.Bind(15, state.OrderShipping);
        upsert.Bind(16, state.OrderDiscount);
        upsert.Execute();
        if (record.CodeClaim is { } code)
        {
            var claim = _claimCode;
            claim.Bind(1, coupon.UserId);
            claim.Bind(2, coupon.Id);
            claim.Bind(3, coupon.ClaimedAtMs);
            claim.Bind(4, code.Job);
            claim.Bind(5, code.Index);
            claim.Execute();
        }
    }

    private void WriteOrder(CheckoutOrder order)
    {
        var upsert = _upsertOrder;
        upsert.Bind(1, order.Id);
        upsert.Bind(2, order.UserId);
        upsert.Bind(3, (long)order.Status);
        upsert.Bind(4, order.ItemsAmount);
        upsert.Bind(5, order.ShippingAmount);
        upsert.Bind(6, CheckoutOrder.FormatLines(order.Lines));
        upsert.Bind(7, order.UpdatedAtMs);
        upsert.Execute();
    }

    /// <summary>
    /// A step's codes, <see cref="CodesPerInsert"/> rows a statement: a statement's run costs about
    /// what binding and inserting one row does, so one a row would double the writer's work.
    /// </summary>
    private void WriteCodes(CodesAdded added)
    {
        var job = _insertCodeJob;
        job.Bind(1, added.Job);
        job.Bind(2, added.CampaignId);
        job.Bind(3, added.JobId);
        job.Execute();
        var codes = added.Codes;
        var i = 0;
        for (; i + CodesPerInsert <= codes.Count; i += CodesPerInsert)
        {
            for (var row = 0; row < CodesPerInsert; row++)
            {
                BindCode(_insertCodes, row * 4, added.Job, codes[i + row]);
            }

            _insertCodes.Execute();
        }

        for (; i < codes.Count; i++)
        {
            BindCode(_insertCode, 0, added.Job, codes[i]);
            _insertCode.Execute();
        }
    }

    private static void BindCode(NativeStatement insert, int first, int job, NewCode code)
    {
        insert.Bind(first + 1, job);
        insert.Bind(first + 2, code.Index);
        insert.Bind(first + 3, code.Hash);
        insert.Bind(first + 4, (ReadOnlySpan<byte>)code.Sealed);
    }

    /// <summary>An insert of <paramref name="rows"/> codes; a redone generation step's codes are already there, kept as they are.</summary>
    private static string InsertCodes(int rows) =>
        "INSERT INTO codes (job, idx, hash, sealed) VALUES "
        + string.Join(", ", Enumerable.Range(0, rows).Select(row => FormattableString.Invariant($"(?{(row * 4) + 1}, ?{(row * 4) + 2}, ?{(row * 4) + 3}, ?{(row * 4) + 4})")))
        + " ON CONFLICT (job, idx) DO NOTHING";

    private void WriteAudit(AuditNote note)
    {
        var insert = _insertAudit;
        insert.Bind(1, note.AtMs);
        insert.Bind(2, note.Actor.Id);
        insert.Bind(3, note.Actor.Role);
        insert.Bind(4, note.Actor.Ip);
        insert.Bind(5, note.Action);
        insert.Bind(6, note.Subject);
        if (note.CampaignId is { } campaignId)
        {
            insert.Bind(7, campaignId);
        }
        else
        {
            insert.Bind(7, (string?)null);
        }

        insert.Bind(8, note.Owner);
        insert.Bind(9, note.OrderId);
        insert.Bind(10, note.Before);
        insert.Bind(11, note.After);
        insert.Execute();
    }

    private void WriteCampaign(CampaignRow row)
    {
        var definition = row.Definition;
        var discount = definition.Discount;
        var values = _upsertCampaign.Parameters;
        values[0].Value = SqliteValues.ToBytes(row.Id);
        values[1].Value = definition.Name;
        values[2].Value = (int)discount.Kind;
        values[3].Value = discount.AmountOff;
        values[4].Value = discount.PercentOff;
        values[5].Value = (object?)discount.MaxDiscount ?? DBNull.Value;
        values[6].Value = discount.Threshold;
        values[7].Value = definition.MinOrderAmount;
        values[8].Value = definition.PerUserLimit;
        values[9].Value = (object?)definition.ClaimStartsAtMs ?? DBNull.Value;
        values[10].Value = (object?)definition.ClaimEndsAtMs ?? DBNull.Value;
        values[11].Value = (object?)definition.Validity.FromMs ?? DBNull.Value;
        values[12].Value = (object?)definition.Validity.ToMs ?? DBNull.Value;
        values[13].Value = (object?)definition.Validity.Days ?? DBNull.Value;
        values[14].Value = definition.LockTtlSeconds;
        values[15].Value = (int)row.Status;
        values[16].Value = row.TotalStock;
        values[17].Value = row.CreatedAtMs;
        values[18].Value = (object?)definition.Code?.Hash.ToBytes() ?? DBNull.Value;
        values[19].Value = (object?)definition.Code?.Sealed ?? DBNull.Value;
        values[20].Value = (object?)CheckoutText.Write(definition.Scope, definition.Stacking) ?? DBNull.Value;
        _upsertCampaign.ExecuteNonQuery();
    }

    private static void AddCounterDeltas(ref Dictionary<Guid, (long Released, long Refunded)>? deltas, in LogRecord record)
    {
        // Only the event counters are stored; the status gauges are recounted from the coupon rows.
        var (released, refunded) = (record.Delta.Released, record.Delta.Refunded);
        if (released == 0 && refunded == 0)
        {
            return;
        }

        var id = record.Coupon!.Campaign.Id;
        deltas ??= [];
        deltas.TryGetValue(id, out var sum);
        deltas[id] = (sum.Released + released, sum.Refunded + refunded);
    }

    /// <summary>Adds the batch's released and refunded deltas, and stores the refusal counts of campaigns that had new ones.</summary>
    private void WriteCounters(Dictionary<Guid, (long Released, long Refunded)>? counterDeltas, List<CampaignEntry> dirtyCounters)
    {
        if (counterDeltas is not null)
        {
            foreach (var (id, (released, refunded)) in counterDeltas)
            {
                _addCounters.Parameters[0].Value = SqliteValues.ToBytes(id);
                _addCounters.Parameters[1].Value = released;
                _addCounters.Parameters[2].Value = refunded;
                _addCounters.ExecuteNonQuery();
            }
        }

        foreach (var campaign in dirtyCounters)
        {
            _setRejected.Parameters[0].Value = SqliteValues.ToBytes(campaign.Id);
            _setRejected.Parameters[1].Value = SqliteValues.FormatRejected(campaign.RejectedByCode());
            _setRejected.ExecuteNonQuery();
        }
    }

    private SqliteCommand Prepare(string sql, params string[] parameterNames)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameterNames)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }
}
