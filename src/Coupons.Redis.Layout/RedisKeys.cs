using System.Globalization;
using Coupons.Core.Codes;

namespace Coupons.Redis.Layout;

/// <summary>
/// Where everything lives. A campaign and its first bucket sit in the campaign's hash slot (from its
/// id); a coupon sits in its bucket's slot, which its id carries (see <see cref="CouponIds"/>); each
/// slot used has one event stream. The prefix comes before the hash tag, so it moves nothing.
/// </summary>
public sealed class RedisKeys
{
    private readonly string prefix;

    public RedisKeys(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        // A brace in the prefix would make it, not the slot's tag, the key's hash tag.
        if (prefix.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            throw new ArgumentException("Coupons:Redis:KeyPrefix must not contain braces", nameof(prefix));
        }

        this.prefix = prefix;
        Campaigns = prefix + "campaigns";
        Streams = prefix + "streams";
        RunnableJobs = prefix + "jobs:runnable";
    }

    /// <summary>What every key starts with (<c>Coupons:Redis:KeyPrefix</c>).</summary>
    public string Prefix => prefix;

    /// <summary>Every campaign id, for listing in id order (a sorted set of equal scores, read by lex).</summary>
    public string Campaigns { get; }

    /// <summary>Every event stream, for the persisters to find.</summary>
    public string Streams { get; }

    /// <summary>
    /// Jobs that may need a node (sealed, not known to be finished): a sorted set of ids by creation
    /// time, in a slot of its own. An id is added before its job becomes runnable and taken out
    /// only once the job is seen finished, so a crash between the two writes loses no job.
    /// </summary>
    public string RunnableJobs { get; }

    public static int CampaignSlot(Guid campaignId) => HashSlots.Of(Id(campaignId));

    /// <summary>The slot of a campaign's bucket: bucket 0 is in the campaign's slot.</summary>
    public static int BucketSlot(Guid campaignId, int bucket) =>
        bucket == 0 ? CampaignSlot(campaignId) : HashSlots.Of(Id(campaignId) + ":" + bucket.ToString(CultureInfo.InvariantCulture));

    public string Campaign(Guid campaignId) => Slot(CampaignSlot(campaignId)) + "campaign:" + Id(campaignId);

    public string Bucket(Guid campaignId, int bucket) => Slot(BucketSlot(campaignId, bucket)) + "bucket:" + Key(campaignId, bucket);

    /// <summary>A bucket's claimants: each user's number of claims there, and their idempotency keys.</summary>
    public string Claimants(Guid campaignId, int bucket) => Slot(BucketSlot(campaignId, bucket)) + "claimants:" + Key(campaignId, bucket);

    public string LockExpiries(Guid campaignId, int bucket) => Slot(BucketSlot(campaignId, bucket)) + "lockexpiries:" + Key(campaignId, bucket);

    public string Coupon(Guid couponId) => Slot(CouponIds.SlotOf(couponId)) + "coupon:" + Id(couponId);

    /// <summary>A bucket's coupons, every one ever claimed there (a sorted set of ids read by lex), for reconciliation.</summary>
    public string BucketCoupons(Guid campaignId, int bucket) => Slot(BucketSlot(campaignId, bucket)) + "coupons:" + Key(campaignId, bucket);

    /// <summary>Stock a bucket has lent and not yet seen given (hash: transfer id to "bucket:units").</summary>
    public string TransfersOut(Guid campaignId, int bucket) => Slot(BucketSlot(campaignId, bucket)) + "transfers-out:" + Key(campaignId, bucket);

    /// <summary>Transfers a bucket has received (set of ids), so that each is given once.</summary>
    public string TransfersIn(Guid campaignId, int bucket) => Slot(BucketSlot(campaignId, bucket)) + "transfers-in:" + Key(campaignId, bucket);

    public string ValidityEnds(Guid campaignId, int bucket) => Slot(BucketSlot(campaignId, bucket)) + "validityends:" + Key(campaignId, bucket);

    /// <summary>A user's coupons (a sorted set of ids read by lex, so in claim order), in the user's own slot.</summary>
    public string UserCoupons(string userId) => Slot(HashSlots.Of("user:" + userId)) + "coupons-of:" + userId;

    /// <summary>A job (hash: its fields, its lease, its version, its results as <c>r:&lt;code&gt;</c>), in the slot its id carries (<see cref="JobIds"/>).</summary>
    public string Job(Guid jobId) => Slot(JobIds.SlotOf(jobId)) + "job:" + Id(jobId);

    /// <summary>A job's inputs (a list, one element per input, in order), in the job's slot.</summary>
    public string JobInputs(Guid jobId) => Slot(JobIds.SlotOf(jobId)) + "job-inputs:" + Id(jobId);

    /// <summary>A job's refused inputs (a sorted set scored by input index), in the job's slot.</summary>
    public string JobFailures(Guid jobId) => Slot(JobIds.SlotOf(jobId)) + "job-failures:" + Id(jobId);

    /// <summary>The job a caller created with an idempotency key (a string: the job's id), in the slot that job's id carries.</summary>
    public string JobByIdempotencyKey(string createdBy, string idempotencyKey) =>
        Slot(JobIds.SlotOfKey(createdBy, idempotencyKey)) + "job-key:" + JobIds.KeyText(createdBy, idempotencyKey);

    public string Events(int slot) => Slot(slot) + "events";

    /// <summary>How many partitions codes are spread over by their hash, each in its own slot (see <see cref="CodeSlot"/>).</summary>
    public const int CodePartitions = 256;

    /// <summary>
    /// The slot of a code (generated or shared): its hash's lowest 8 bits pick one of
    /// <see cref="CodePartitions"/> partitions, spaced evenly over the slots so that a cluster's
    /// ranges share them. A generation step's codes then touch at most 256 slots, however many: a
    /// part of 5,000 codes is about 20 a script call (with 1,024 partitions it was 5, and Redis spent
    /// more on calling the scripts than on storing the codes).
    /// </summary>
    public static int CodeSlot(CodeHash hash) => CodePartitionSlot(CodePartition(hash));

    public static int CodePartition(CodeHash hash) => (int)(hash.Value & (CodePartitions - 1));

    public static int CodePartitionSlot(int partition) => partition * (HashSlots.Count / CodePartitions);

    /// <summary>The slot of each code partition, in order.</summary>
    public static IEnumerable<int> CodeSlots => Enumerable.Range(0, CodePartitions).Select(CodePartitionSlot);

    /// <summary>A code partition's index (hash: code hash to its record, <see cref="CodeRecord"/>); never changed once written.</summary>
    public string Codes(int slot) => Slot(slot) + "codes";

    /// <summary>A code partition's claims of generated codes (hash: code hash to reserved or claimed, <see cref="CodeClaim"/>); an available code has none.</summary>
    public string CodeClaims(int slot) => Slot(slot) + "code-claims";

    /// <summary>A code partition's reservations not yet finished (sorted set of code hashes by when reserved), for the sweeper.</summary>
    public string CodeReservations(int slot) => Slot(slot) + "code-reservations";

    /// <summary>The index of the own codes of the coupons of a slot (hash: code hash to coupon id); the slot is the codes' route.</summary>
    public string OwnCodes(int slot) => Slot(slot) + "own-codes";

    /// <summary>The chunks of a campaign's list of generated codes (sorted set of equal scores read by lex: <see cref="CodeList.Member"/>), in its slot.</summary>
    public string CampaignCodes(Guid campaignId) => Slot(CampaignSlot(campaignId)) + "codes-of:" + Id(campaignId);

    /// <summary>One chunk of a campaign's list of generated codes (string: <see cref="CodeList"/>), in the campaign's slot.</summary>
    public string CampaignCodeChunk(Guid campaignId, Guid jobId, long chunk) =>
        Slot(CampaignSlot(campaignId)) + "codes-of:" + Id(campaignId) + ":" + Id(jobId) + ":" + chunk.ToString(CultureInfo.InvariantCulture);

    /// <summary>How many partitions checkout orders are spread over by their id, each in its own slot (see <see cref="OrderSlot"/>).</summary>
    public const int OrderPartitions = 256;

    /// <summary>
    /// The slot of an order: its id's hash picks one of <see cref="OrderPartitions"/> partitions,
    /// spaced evenly over the slots (half a space from the code partitions'), so that the sweeper
    /// finds every order left half done by reading one sorted set a partition.
    /// </summary>
    public static int OrderSlot(string orderId) => OrderPartitionSlot(OrderPartition(orderId));

    /// <summary>The partition of an order, from its id's hash.</summary>
    public static int OrderPartition(string orderId) => HashSlots.Of("order:" + orderId) & (OrderPartitions - 1);

    public static int OrderPartitionSlot(int partition) => (partition * (HashSlots.Count / OrderPartitions)) + (HashSlots.Count / OrderPartitions / 2);

    /// <summary>The slot of each order partition, in order.</summary>
    public static IEnumerable<int> OrderSlots => Enumerable.Range(0, OrderPartitions).Select(OrderPartitionSlot);

    /// <summary>A checkout order (hash: <see cref="OrderRecord"/>), in its partition's slot.</summary>
    public string Order(string orderId) => Slot(OrderSlot(orderId)) + "order:" + orderId;

    /// <summary>A partition's orders with an operation under way (sorted set of order ids by when it is to be taken back if unfinished).</summary>
    public string PendingOrders(int slot) => Slot(slot) + "orders-pending";

    /// <summary>The stream of audit entries for changes kept outside the store (the blocklist, fraud flags).</summary>
    public string AuditEvents => Events(HashSlots.Of("audit"));

    /// <summary>How ids are written in keys, fields and events: 32 hex digits, no dashes.</summary>
    public static string Id(Guid id) => id.ToString("N");

    public static Guid ParseId(string text) => Guid.ParseExact(text, "N");

    private static string Key(Guid campaignId, int bucket) => Id(campaignId) + ":" + bucket.ToString(CultureInfo.InvariantCulture);

    private string Slot(int slot) => prefix + "{" + HashSlots.TagFor(slot) + "}:";
}
