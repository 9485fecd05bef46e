using Coupons.Core;
using Coupons.Core.Checkout;
using Coupons.Redis.Layout;
using StackExchange.Redis;

namespace Coupons.Redis;

/// <summary>
/// Checkout orders on Redis (<see cref="IOrderStore"/>). An order's coupons live in different hash
/// slots, so no script can change them together; all or none holds by a plan kept in the order's
/// record (<see cref="OrderPlan"/>):
/// <list type="number">
/// <item>read the record and the coupons, and decide with <see cref="OrderRules"/>;</item>
/// <item>write the plan into the record (by the record's version), with a deadline;</item>
/// <item>change each coupon in id order by its version (transition.lua); a coupon someone changed
/// meanwhile fails its step: the steps done are taken back, the plan cleared, and all is decided again;</item>
/// <item>clear the plan and store the order's new record (by version): done.</item>
/// </list>
/// On a Redis that is not a cluster (<paramref name="inOneScript"/>), where a script may touch every
/// slot, steps 2 to 4 are one script instead (orderapply.lua): the record and every coupon by their
/// versions, all stored or nothing, and no plan is ever left.
/// A node that dies between 2 and 4 leaves a plan. Whoever finds it past its deadline (the sweeper
/// of any node, or the order's next request) takes it back (<see cref="TakeBackAsync"/>): each coupon
/// the plan changed is put back, each it had not reached is fenced (its version moved on, so that a
/// late step of a stalled node fails and that node takes its own steps back). Before the deadline
/// the order's requests are answered order_busy.
/// </summary>
/// <param name="inOneScript">Whether an operation's changes go in one script (asked at each operation: not known before Redis answers).</param>
internal sealed class RedisOrders(IDatabase db, RedisKeys keys, TimeProvider time, CouponReader coupons, TimeSpan planTimeout, Func<bool> inOneScript)
{
    /// <summary>How often an order's operation is decided again when its coupons keep changing first.</summary>
    private const int MaxAttempts = 16;

    private readonly bool[] _registered = new bool[RedisKeys.OrderPartitions];

    /// <summary>Whether an operation's changes go in one script now (else under a plan).</summary>
    internal bool InOneScript => inOneScript();

    /// <summary>Runs after each coupon's step with the number of steps done (under a plan): where a test stops a node in the middle.</summary>
    internal Func<int, Task>? AfterStep { get; set; }

    public async Task<OrderResult> ChangeAsync(OrderCommand command, string orderId, string? ownerId, OrderBody? body, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var record = await ReadAsync(orderId).ConfigureAwait(false);
            var nowMs = NowMs();
            if (record.Pending is { } pending)
            {
                if (OrderPlan.FromJson(pending).DeadlineMs > nowMs)
                {
                    return new OrderResult(Outcome.OrderBusy, null, record.Order, []);
                }

                await TakeBackAsync(record).ConfigureAwait(false);
            }
            else if (await DecideAsync(command, record, ownerId, body, nowMs).ConfigureAwait(false) is { } result)
            {
                return result;
            }

            if (attempt >= MaxAttempts)
            {
                throw new OverloadedException($"the coupons of order {orderId} kept changing while it was being changed");
            }
        }
    }

    public async Task<OrderResult> GetAsync(string orderId, string? ownerId)
    {
        var record = await ReadAsync(orderId).ConfigureAwait(false);
        if (record.Order is not { } order || (ownerId is not null && order.UserId != ownerId))
        {
            return new OrderResult(Outcome.OrderNotFound, null, null, []);
        }

        var read = await Task.WhenAll(order.CouponIds.Select(id => coupons.ReadAsync(id, null))).ConfigureAwait(false);
        return new OrderResult(Outcome.Ok, null, order, [.. read.OfType<Coupon>()]);
    }

    /// <summary>Takes back the plans past their deadline in every order partition (at most <paramref name="batchSize"/> each); returns how many.</summary>
    public async Task<int> SweepAsync(int batchSize, CancellationToken cancellationToken)
    {
        var nowMs = NowMs();
        var due = await Task.WhenAll(RedisKeys.OrderSlots.Select(slot =>
            db.SortedSetRangeByScoreAsync(keys.PendingOrders(slot), double.NegativeInfinity, nowMs, take: batchSize))).ConfigureAwait(false);
        var taken = 0;
        foreach (var orderId in due.SelectMany(ids => ids))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var record = await ReadAsync((string)orderId!).ConfigureAwait(false);
            if (record.Pending is { } pending && OrderPlan.FromJson(pending).DeadlineMs <= nowMs)
            {
                await TakeBackAsync(record).ConfigureAwait(false);
                taken++;
            }
            else if (record.Pending is null)
            {
                // Finished or taken back, and left in the set by a node that died just then.
                await db.SortedSetRemoveAsync(keys.PendingOrders(RedisKeys.OrderSlot(record.Id)), record.Id).ConfigureAwait(false);
            }
        }

        return taken;
    }

    /// <summary>One attempt: the decision, and if it stands its changes; null when a coupon or the record changed meanwhile (decide again).</summary>
    private async Task<OrderResult?> DecideAsync(OrderCommand command, OrderRecord record, string? ownerId, OrderBody? body, long nowMs)
    {
        var (found, ids) = OrderRules.CouponsToRead(command, ownerId, record.Order, body);
        if (found != Outcome.Ok)
        {
            return new OrderResult(found, null, null, []);
        }

        var stored = await Task.WhenAll(ids.Select(id => coupons.ReadStoredAsync(db, id, null))).ConfigureAwait(false);
        for (var i = 0; i < stored.Length; i++)
        {
            if (stored[i] is null)
            {
                return new OrderResult(Outcome.CouponNotFound, ids[i], null, []);
            }
        }

        var read = Array.ConvertAll(stored, s => s!);
        var decision = OrderRules.Decide(
            command, record.Id, ownerId, record.Order, body,
            Array.ConvertAll(read, s => new OrderCoupon(s.Record.Id, s.Record.CampaignId, s.Record.UserId, s.Terms, s.Record.State)), nowMs);
        if (!decision.Outcome.IsSuccess())
        {
            if (Array.Find(read, s => s.Record.Id == decision.RefusedCouponId) is { } refusing)
            {
                await db.HashIncrementAsync(keys.Bucket(refusing.Record.CampaignId, refusing.Bucket), BucketHashes.RejectedPrefix + decision.Outcome.ToCode()).ConfigureAwait(false);
            }

            return new OrderResult(decision.Outcome, decision.RefusedCouponId, record.Order, [.. read.Select(s => s.ToCoupon(CouponRules.Observe(s.Record.State, nowMs)))]);
        }

        var steps = new List<PlanStep>();
        for (var i = 0; i < read.Length; i++)
        {
            if (decision.Events[i] != CouponEvents.None)
            {
                steps.Add(new PlanStep(read[i].Record.Id, read[i].Record.CampaignId, read[i].Bucket, read[i].Record.Version, decision.Events[i],
                    PlanState.Of(read[i].Record.State), PlanState.Of(decision.States[i])));
            }
        }

        steps.Sort((a, b) => a.CouponId.CompareTo(b.CouponId));
        return await ApplyAsync(record, decision.Order, steps, nowMs).ConfigureAwait(false)
            ? new OrderResult(decision.Outcome, null, decision.Order ?? record.Order, [.. read.Select((s, i) => s.ToCoupon(decision.States[i]))])
            : null;
    }

    /// <summary>Steps 2 to 4 of the class's protocol; false when something changed meanwhile (nothing of it stays).</summary>
    private async Task<bool> ApplyAsync(OrderRecord record, CheckoutOrder? order, List<PlanStep> steps, long nowMs)
    {
        var fields = order is null ? [] : OrderRecord.PairsOf(order);
        if (steps.Count == 0)
        {
            return order is null || await StoreRecordAsync(record.Id, record.Version, null, fields).ConfigureAwait(false) is not null;
        }

        if (inOneScript())
        {
            return await ApplyAtOnceAsync(record, steps, fields, nowMs).ConfigureAwait(false);
        }

        var plan = new OrderPlan(nowMs + (long)planTimeout.TotalMilliseconds, steps);
        if (await StoreRecordAsync(record.Id, record.Version, plan.DeadlineMs, [OrderRecord.Fields.Pending, plan.ToJson()]).ConfigureAwait(false) is not { } planned)
        {
            return false;
        }

        var done = new List<PlanStep>(steps.Count);
        foreach (var step in steps)
        {
            if (!await RunAsync(step, record.Id, forward: true, nowMs).ConfigureAwait(false))
            {
                await UndoAsync(done, record.Id).ConfigureAwait(false);
                await StoreRecordAsync(record.Id, planned, null, []).ConfigureAwait(false);
                return false;
            }

            done.Add(step);
            if (AfterStep is { } afterStep)
            {
                await afterStep(done.Count).ConfigureAwait(false);
            }
        }

        if (await StoreRecordAsync(record.Id, planned, null, fields).ConfigureAwait(false) is null)
        {
            // The plan was taken back meanwhile (this node was slower than its deadline): so are its steps.
            await UndoAsync(done, record.Id).ConfigureAwait(false);
            return false;
        }

        return true;
    }

    /// <summary>orderapply.lua: every step and the record at once, by their versions; false when any changed since read (nothing stored).</summary>
    private async Task<bool> ApplyAtOnceAsync(OrderRecord record, List<PlanStep> steps, RedisValue[] fields, long nowMs)
    {
        var partition = RedisKeys.OrderPartition(record.Id);
        var slot = RedisKeys.OrderPartitionSlot(partition);
        if (fields.Length > 0)
        {
            await RegisterStreamAsync(partition, slot).ConfigureAwait(false);
        }

        var changes = steps.ConvertAll(step => Change(step, record.Id, forward: true, nowMs));
        RedisKey[] keyList = [keys.Order(record.Id), keys.Events(slot), .. changes.SelectMany(change => change.KeysIn(keys))];
        RedisValue[] values = [record.Version, record.Id, fields.Length, .. fields, .. changes.SelectMany(change => change.Values())];
        var answer = (RedisResult[])(await Script.OrderApply.RunAsync(db, keyList, values).ConfigureAwait(false))!;
        return (string)answer[0]! == "ok";
    }

    /// <summary>
    /// Takes back the plan of <paramref name="record"/>: every coupon it changed put back (if still as
    /// the plan left it), every coupon it had not reached fenced; then the plan cleared.
    /// </summary>
    private async Task TakeBackAsync(OrderRecord record)
    {
        var plan = OrderPlan.FromJson(record.Pending!);
        var nowMs = NowMs();
        foreach (var step in plan.Steps)
        {
            for (var attempt = 0; attempt < 4; attempt++)
            {
                var current = await coupons.ReadStoredAsync(db, step.CouponId, null).ConfigureAwait(false);
                if (current is null || current.Record.Version > step.Version + 1
                    || (current.Record.Version == step.Version + 1 && PlanState.Of(current.Record.State) != step.After))
                {
                    break;
                }

                var ran = current.Record.Version == step.Version
                    ? await FenceAsync(step, current, record.Id, nowMs).ConfigureAwait(false)
                    : await RunAsync(step, record.Id, forward: false, nowMs).ConfigureAwait(false);
                if (ran)
                {
                    break;
                }
            }
        }

        await StoreRecordAsync(record.Id, record.Version, null, []).ConfigureAwait(false);
    }

    private async Task UndoAsync(List<PlanStep> done, string orderId)
    {
        var nowMs = NowMs();
        for (var i = done.Count - 1; i >= 0; i--)
        {
            await RunAsync(done[i], orderId, forward: false, nowMs).ConfigureAwait(false);
        }
    }

    /// <summary>A step's change (forward), or its undoing (from the version the step left); false when the coupon is not at that version.</summary>
    private Task<bool> RunAsync(PlanStep step, string orderId, bool forward, long nowMs) => Change(step, orderId, forward, nowMs).RunAsync(db, keys);

    /// <summary>transition.lua's arguments for a step's change (forward) or its undoing.</summary>
    private static TransitionArguments Change(PlanStep step, string orderId, bool forward, long nowMs)
    {
        var from = (forward ? step.Before : step.After).ToState();
        var to = (forward ? step.After : step.Before).ToState();
        var delta = StatsDelta.Of(step.Before.Status, step.After.Status, step.Events);
        return new TransitionArguments(
            step.CouponId, step.CampaignId, step.Bucket, forward ? step.Version : step.Version + 1, forward ? step.Events : CouponEvents.Undone,
            to, forward ? delta : delta.Reversed, Outcome.Ok, SweepWatch.Of(to), AuditField.Encode(nowMs, AuditText.CouponState(from), orderId));
    }

    /// <summary>Moves a coupon the plan had not reached to its next version, unchanged, so that the plan's late step on it fails.</summary>
    private Task<bool> FenceAsync(PlanStep step, StoredCoupon current, string orderId, long nowMs)
    {
        var state = current.Record.State;
        return new TransitionArguments(
            step.CouponId, step.CampaignId, step.Bucket, step.Version, CouponEvents.Undone, state, default, Outcome.Ok, SweepWatch.Of(state),
            AuditField.Encode(nowMs, AuditText.CouponState(state), orderId)).RunAsync(db, keys);
    }

    private async Task<OrderRecord> ReadAsync(string orderId) =>
        OrderRecord.FromHash(orderId, StoredFields.Of(await db.HashGetAllAsync(keys.Order(orderId)).ConfigureAwait(false)));

    /// <summary>
    /// orderstore.lua: the record's fields set by its version, with a plan's deadline (the order
    /// put in its partition's pending set) or without (taken out, the plan deleted; the order's new
    /// record, when <paramref name="fields"/> carry one, appended to its slot's stream for the
    /// persisters). Returns the new version, or null when the record changed since <paramref name="version"/>.
    /// </summary>
    private async Task<long?> StoreRecordAsync(string orderId, long version, long? deadlineMs, RedisValue[] fields)
    {
        var partition = RedisKeys.OrderPartition(orderId);
        var slot = RedisKeys.OrderPartitionSlot(partition);
        var emits = deadlineMs is null && fields.Length > 0;
        if (emits)
        {
            await RegisterStreamAsync(partition, slot).ConfigureAwait(false);
        }

        var answer = (RedisResult[])(await Script.OrderStore.RunAsync(
            db,
            [keys.Order(orderId), keys.PendingOrders(slot), keys.Events(slot)],
            [version, orderId, deadlineMs is { } deadline ? deadline : RedisValue.EmptyString, deadlineMs is null ? "1" : "", emits ? "1" : "", .. fields]).ConfigureAwait(false))!;
        return (string)answer[0]! == "ok" ? (long)answer[1] : null;
    }

    /// <summary>Puts an order partition's stream in the set the persisters read from, once per partition and process (idempotent).</summary>
    private async Task RegisterStreamAsync(int partition, int slot)
    {
        if (Volatile.Read(ref _registered[partition]))
        {
            return;
        }

        await db.SetAddAsync(keys.Streams, keys.Events(slot)).ConfigureAwait(false);
        Volatile.Write(ref _registered[partition], true);
    }

    private long NowMs() => time.GetUtcNow().ToUnixTimeMilliseconds();
}
