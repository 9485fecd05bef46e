using Coupons.Core;
using Coupons.Core.Checkout;
using Coupons.Redis.Layout;
using Npgsql;

namespace Coupons.Postgres;

/// <summary>
/// What an event of the Redis streams becomes in PostgreSQL, and on which shard: the row of its
/// coupon (on its user's shard) or campaign (on shard 0), upserted only over a lower version, so
/// that a repeated or late event changes nothing; and the change's audit entry, beside the row, in
/// the same transaction, inserted once (its id is the event's).
/// </summary>
internal static class EventRows
{
    private const string UpsertCoupon = """
        INSERT INTO coupons (id, campaign_id, user_id, claimed_at, idempotency_key, valid_from, valid_to, status,
                             order_id, order_amount, lock_expires_at, used_at, refunded_order_id, version,
                             order_shipping, order_discount)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
        ON CONFLICT (id) DO UPDATE SET status = excluded.status, order_id = excluded.order_id,
            order_amount = excluded.order_amount, lock_expires_at = excluded.lock_expires_at,
            used_at = excluded.used_at, refunded_order_id = excluded.refunded_order_id, version = excluded.version,
            order_shipping = excluded.order_shipping, order_discount = excluded.order_discount
        WHERE coupons.version < excluded.version
        """;

    /// <summary>
    /// A claim's row, which is version 1: inserted, or, when a later change's event was stored first
    /// (taken over from a persister that died), only its own code's hash added (a later event does not carry it).
    /// </summary>
    private const string InsertClaimedCoupon = """
        INSERT INTO coupons (id, campaign_id, user_id, claimed_at, idempotency_key, valid_from, valid_to, status,
                             order_id, order_amount, lock_expires_at, used_at, refunded_order_id, version, code_hash)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
        ON CONFLICT (id) DO UPDATE SET code_hash = excluded.code_hash
        WHERE coupons.code_hash IS NULL AND excluded.code_hash IS NOT NULL
        """;

    private const string UpsertCampaign = """
        INSERT INTO campaigns (id, name, discount_kind, amount_off, percent_off, max_discount, threshold, min_order_amount,
                               per_user_limit, claim_starts_at, claim_ends_at, valid_from, valid_to, valid_days,
                               lock_ttl_seconds, created_at, status, total_stock, version, code_hash, code_sealed, checkout, buckets)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)
        ON CONFLICT (id) DO UPDATE SET status = excluded.status, total_stock = excluded.total_stock, version = excluded.version,
            buckets = excluded.buckets
        WHERE campaigns.version < excluded.version
        """;

    private const string InsertAudit = """
        INSERT INTO audit (id, at, actor_id, actor_role, actor_ip, action, subject, campaign_id, owner, order_id, before, after)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
        ON CONFLICT (id) DO NOTHING
        """;

    private const string UpsertOrder = """
        INSERT INTO orders (id, user_id, status, items_amount, shipping_amount, lines, updated_at, version)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, status = excluded.status, items_amount = excluded.items_amount,
            shipping_amount = excluded.shipping_amount, lines = excluded.lines, updated_at = excluded.updated_at, version = excluded.version
        WHERE orders.version < excluded.version
        """;

    /// <summary>The shard of the event's rows: its user's for a coupon or an order, 0 for the rest.</summary>
    public static int ShardOf(StreamEvent change, int shards) =>
        change.IsAboutCoupon ? Shards.For(change.Values.Text(CouponRecord.Fields.User), shards)
        : change.IsAboutOrder ? Shards.For(change.Values.Text(OrderRecord.Fields.User), shards)
        : 0;

    /// <summary>
    /// Adds the event's commands to <paramref name="commands"/>: the upsert of its coupon or campaign
    /// (none for an audit entry of its own), then its audit entry (id: stream and entry id) when it
    /// carries one. The row is read from the event's fields once, for both.
    /// </summary>
    public static void AddTo(ShardCommands commands, string stream, StreamEvent change)
    {
        ArgumentNullException.ThrowIfNull(commands);
        if (change.IsAboutCodes)
        {
            CodeRows.AddTo(commands, change);
            return;
        }

        if (change.IsAboutOrder)
        {
            var record = OrderRecord.FromEvent(change.Values);
            var order = record.Order!;
            commands.Add(Command(UpsertOrder, [order.Id, order.UserId, WireNames.Of(order.Status), order.ItemsAmount, order.ShippingAmount,
                CheckoutOrder.FormatLines(order.Lines), order.UpdatedAtMs, record.Version]));
            return;
        }

        var coupon = change.IsAboutCoupon ? CouponRecord.FromEvent(change.Values) : null;
        var campaign = change.IsAboutCampaign ? CampaignRecord.FromEvent(change.Values) : null;
        if (coupon is not null)
        {
            commands.Add(CouponRow(coupon, change.Kind == EventKind.CouponClaimed ? change.Values.OptionalText(CodeEvents.OwnCode) : null, change.Kind));
        }
        else if (campaign is not null)
        {
            commands.Add(CampaignRow(campaign));
        }

        if (change.DecodeAudit() is { } audit)
        {
            commands.Add(AuditRow(stream + "/" + change.Id, change, audit, coupon, campaign));
        }
    }

    private static NpgsqlBatchCommand CouponRow(CouponRecord coupon, string? ownCodeHash, EventKind kind)
    {
        var state = coupon.State;
        object?[] values =
        [
            coupon.Id, coupon.CampaignId, coupon.UserId, coupon.ClaimedAtMs, coupon.IdempotencyKey, state.ValidFromMs, state.ValidToMs,
            WireNames.Of(state.Status), state.OrderId, state.OrderAmount, state.LockExpiresAtMs, state.UsedAtMs, state.RefundedOrderId, coupon.Version,
        ];
        return kind == EventKind.CouponClaimed
            ? Command(InsertClaimedCoupon, [.. values, ownCodeHash])
            : Command(UpsertCoupon, [.. values, state.OrderShipping, state.OrderDiscount]);
    }

    private static NpgsqlBatchCommand CampaignRow(CampaignRecord campaign)
    {
        var (definition, discount) = (campaign.Definition, campaign.Definition.Discount);
        return Command(
            UpsertCampaign, campaign.Id, definition.Name, (short)discount.Kind, discount.AmountOff, discount.PercentOff, discount.MaxDiscount,
            discount.Threshold, definition.MinOrderAmount, definition.PerUserLimit, definition.ClaimStartsAtMs, definition.ClaimEndsAtMs,
            definition.Validity.FromMs, definition.Validity.ToMs, definition.Validity.Days, definition.LockTtlSeconds, campaign.CreatedAtMs,
            WireNames.Of(campaign.Status), campaign.TotalStock, campaign.Version, definition.Code?.Hash.ToText(), definition.Code?.Sealed,
            CheckoutText.Write(definition.Scope, definition.Stacking), campaign.Buckets);
    }

    private static NpgsqlBatchCommand AuditRow(string id, StreamEvent change, AuditField.Decoded audit, CouponRecord? coupon, CampaignRecord? campaignRecord)
    {
        var fields = change.Values;
        var (action, subject, before, after) = (coupon, campaignRecord) switch
        {
            ({ } c, _) => CouponAudit(change, c, audit),
            (_, { } r) => CampaignAudit(change.Kind, r, fields),
            _ => (fields.Text(StreamEvent.Fields.Action), fields.Text(StreamEvent.Fields.Subject),
                fields.OptionalText(StreamEvent.Fields.Before), fields.OptionalText(StreamEvent.Fields.After)),
        };
        Guid? campaign = fields.Has(StreamEvent.Fields.Campaign) ? fields.Id(StreamEvent.Fields.Campaign) : null;
        var owner = change.IsAboutCoupon ? fields.Text(CouponRecord.Fields.User) : null;
        return Command(
            InsertAudit, id, audit.AtMs, audit.Actor, audit.Role, audit.Ip, action, subject, campaign, owner,
            audit.OrderId ?? fields.OptionalText(CouponRecord.Fields.OrderId), before, after);
    }

    private static (string Action, string Subject, string? Before, string? After) CampaignAudit(EventKind kind, CampaignRecord campaign, StoredFields fields)
    {
        var (action, before) = kind switch
        {
            EventKind.CampaignCreated => (WireNames.Actions.CampaignCreated, null),
            EventKind.CampaignStatusChanged => (WireNames.Actions.OfStatusChange(campaign.Status),
                AuditText.CampaignState(WireNames.ParseCampaignStatus(fields.Text(StreamEvent.Fields.BeforeStatus)), campaign.TotalStock)),
            _ => (WireNames.Actions.CampaignStockAdded, AuditText.CampaignState(campaign.Status, fields.Number(StreamEvent.Fields.BeforeTotal))),
        };
        return (action, campaign.Id.ToString(), before, AuditText.CampaignState(campaign.Status, campaign.TotalStock));
    }

    /// <summary>A coupon change's entry; a revoke's reason follows the state after, as the embedded store writes it.</summary>
    private static (string Action, string Subject, string? Before, string? After) CouponAudit(StreamEvent change, CouponRecord coupon, AuditField.Decoded audit) =>
        (WireNames.Actions.OfCoupon(change.CouponEvents), coupon.Id.ToString(), audit.Before,
            AuditText.WithReason(AuditText.CouponState(coupon.State.Status, coupon.State.OrderId), audit.Reason));

    private static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        return command;
    }
}
