using System.Collections.Concurrent;
using Coupons.Core;
using Coupons.Core.Checkout;

namespace Coupons.Embedded;

/// <summary>
/// Checkout orders (<see cref="IOrderStore"/>): an order's operations one at a time under its slot's
/// lock, its coupons' locks taken in id order under that (so two orders sharing a coupon cannot
/// deadlock), <see cref="OrderRules"/> deciding, and every change of the order appended at once
/// (<see cref="GroupCommitLog.AppendAll"/>): one batch, one transaction, all of it or none.
/// </summary>
public sealed partial class EmbeddedCouponStore : IOrderStore
{
    private readonly ConcurrentDictionary<string, OrderSlot> _orders = new(StringComparer.Ordinal);

    public async ValueTask<OrderResult> ChangeOrderAsync(OrderCommand command, string orderId, string? ownerId, OrderBody? body, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        var log = OpenLogOrThrow();
        cancellationToken.ThrowIfCancellationRequested();
        var creates = body is not null && command is OrderCommand.Lock or OrderCommand.Redeem;
        while (true)
        {
            OrderSlot? slot;
            if (creates)
            {
                slot = _orders.GetOrAdd(orderId, static _ => new OrderSlot());
            }
            else if (!_orders.TryGetValue(orderId, out slot))
            {
                return new OrderResult(Outcome.OrderNotFound, null, null, []);
            }

            OrderResult result;
            long sequence;
            lock (slot)
            {
                if (slot.Removed)
                {
                    // A refused first lock took its empty slot out meanwhile: start again with the current one.
                    continue;
                }

                (result, sequence) = Change(log, slot, new OrderCall(command, orderId, ownerId, body));
                if (slot.Order is null)
                {
                    // Nothing was stored: an order id refused leaves nothing behind in memory.
                    slot.Removed = true;
                    _orders.TryRemove(KeyValuePair.Create(orderId, slot));
                }
            }

            await log.WhenDurableAsync(sequence, cancellationToken).ConfigureAwait(false);
            return result;
        }
    }

    public async ValueTask<OrderResult> GetOrderAsync(string orderId, string? ownerId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        var log = OpenLogOrThrow();
        cancellationToken.ThrowIfCancellationRequested();
        CheckoutOrder? order = null;
        if (_orders.TryGetValue(orderId, out var slot))
        {
            lock (slot)
            {
                order = slot.Order;
            }
        }

        if (order is null || (ownerId is not null && order.UserId != ownerId))
        {
            return new OrderResult(Outcome.OrderNotFound, null, null, []);
        }

        var now = NowMs();
        var coupons = new List<Coupon>(order.Lines.Count);
        foreach (var id in order.CouponIds)
        {
            if (_coupons.TryGetValue(id, out var coupon))
            {
                coupons.Add(coupon.ToCoupon(CouponRules.Observe(coupon.ReadState(), now)));
            }
        }

        await log.WhenSeenIsDurableAsync(cancellationToken).ConfigureAwait(false);
        return new OrderResult(Outcome.Ok, null, order, coupons);
    }

    /// <summary>Puts the orders read at open into memory.</summary>
    private void LoadOrders(IEnumerable<CheckoutOrder> orders)
    {
        foreach (var order in orders)
        {
            _orders[order.Id] = new OrderSlot { Order = order };
        }
    }

    /// <summary>One operation on the order in <paramref name="slot"/>, under its lock: its coupons found, locked in id order, decided and stored.</summary>
    private (OrderResult Result, long Sequence) Change(GroupCommitLog log, OrderSlot slot, OrderCall call)
    {
        var (found, ids) = OrderRules.CouponsToRead(call.Command, call.OwnerId, slot.Order, call.Body);
        if (found != Outcome.Ok)
        {
            return (new OrderResult(found, null, null, []), log.Appended);
        }

        var entries = new CouponEntry[ids.Count];
        for (var i = 0; i < entries.Length; i++)
        {
            if (!_coupons.TryGetValue(ids[i], out var entry))
            {
                return (new OrderResult(Outcome.CouponNotFound, ids[i], null, []), log.Appended);
            }

            entries[i] = entry;
        }

        var locks = entries.Distinct().OrderBy(entry => entry.Id).ToArray();
        var taken = 0;
        try
        {
            foreach (var entry in locks)
            {
                Monitor.Enter(entry);
                taken++;
            }

            return DecideAndStore(log, slot, call, entries);
        }
        finally
        {
            for (var i = taken - 1; i >= 0; i--)
            {
                Monitor.Exit(locks[i]);
            }
        }
    }

    /// <summary>Under the coupons' locks: the rules' decision, and if it stands every change appended at once, then made visible.</summary>
    private (OrderResult Result, long Sequence) DecideAndStore(GroupCommitLog log, OrderSlot slot, OrderCall call, CouponEntry[] entries)
    {
        var now = NowMs();
        var coupons = Array.ConvertAll(entries, entry => new OrderCoupon(entry.Id, entry.Campaign.Id, entry.UserId, entry.Campaign.Definition, entry.State));
        var decision = OrderRules.Decide(call.Command, call.OrderId, call.OwnerId, slot.Order, call.Body, coupons, now);
        if (!decision.Outcome.IsSuccess())
        {
            if (decision.RefusedCouponId is { } refused && Array.Find(entries, entry => entry.Id == refused) is { } refusing)
            {
                CountRejection(refusing.Campaign, decision.Outcome);
            }

            var seen = Array.ConvertAll(entries, entry => entry.ToCoupon(CouponRules.Observe(entry.State, now)));
            return (new OrderResult(decision.Outcome, decision.RefusedCouponId, slot.Order, seen), log.Appended);
        }

        var records = new List<LogRecord>(entries.Length + 1);
        var deltas = new StatsDelta[entries.Length];
        for (var i = 0; i < entries.Length; i++)
        {
            if (decision.Events[i] != CouponEvents.None)
            {
                deltas[i] = StatsDelta.Of(coupons[i].State.Status, decision.States[i].Status, decision.Events[i]);
                records.Add(LogRecord.ForCoupon(entries[i], decision.States[i], decision.Events[i], deltas[i], coupons[i].State, now));
            }
        }

        if (decision.Order is { } order)
        {
            records.Add(LogRecord.ForOrder(order));
        }

        var sequence = records.Count > 0 ? log.AppendAll(records) : log.Appended;
        for (var i = 0; i < entries.Length; i++)
        {
            if (decision.Events[i] != CouponEvents.None)
            {
                Apply(entries[i], coupons[i].State, decision.States[i], deltas[i]);
            }
        }

        slot.Order = decision.Order ?? slot.Order;
        return (new OrderResult(decision.Outcome, null, slot.Order, [.. entries.Select((entry, i) => entry.ToCoupon(decision.States[i]))]), sequence);
    }

    /// <summary>An order's record in memory, and the lock its operations take (a slot taken out of the map is <see cref="Removed"/>).</summary>
    private sealed class OrderSlot
    {
        public CheckoutOrder? Order;
        public bool Removed;
    }

    private sealed record OrderCall(OrderCommand Command, string OrderId, string? OwnerId, OrderBody? Body);
}
