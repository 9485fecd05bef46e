using System.Globalization;
using Coupons.Client.Serialization;

namespace Coupons.Client;

// The protections' admin API: the blocklist, fraud flags, and the audit log.
public sealed partial class CouponsClient
{
    /// <summary>One page of blocklist entries in force, by kind and value (admin).</summary>
    /// <param name="kind">Only entries of this kind; all when null.</param>
    /// <param name="limit">Page size, 1 to 200; the service's default (50) when null.</param>
    /// <param name="cursor">The <see cref="Page{T}.NextCursor"/> of the previous page; null for the first.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<Page<BlockEntry>> ListBlocklistPageAsync(BlockKind? kind = null, int? limit = null, string? cursor = null, CancellationToken cancellationToken = default)
    {
        var path = new QueryString("v1/blocklist").Add("kind", kind?.Value)
            .Add("limit", limit?.ToString(CultureInfo.InvariantCulture)).Add("cursor", cursor).ToString();
        return (await GetAsync(path, Contract.PageBlockEntry, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();
    }

    /// <summary>Every blocklist entry in force, fetched a page at a time as the enumeration goes (admin).</summary>
    public IAsyncEnumerable<BlockEntry> ListBlocklistAsync(BlockKind? kind = null, int? pageSize = null, CancellationToken cancellationToken = default) =>
        AllAsync((cursor, ct) => ListBlocklistPageAsync(kind, pageSize, cursor, ct), cancellationToken);

    /// <summary>Blocks a user, an address or range, or a device, replacing an entry of the same kind and value (admin). Safe to repeat.</summary>
    public async Task<BlockEntry> AddBlockAsync(NewBlock block, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(block);
        return (await PostAsync("v1/blocklist", block, Contract.NewBlock, Contract.BlockEntry, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();
    }

    /// <summary>Lifts a block (admin); <c>not_found</c> when there is none. Not retried: a repeat would answer <c>not_found</c>.</summary>
    public async Task RemoveBlockAsync(BlockKind kind, string value, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        var path = new QueryString("v1/blocklist/" + Uri.EscapeDataString(kind.Value)).Add("value", value).ToString();
        (await SendAsync<object>(HttpMethod.Delete, path, null, null, null, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();
    }

    /// <summary>One page of flagged devices, addresses and accounts, by signal and value (admin).</summary>
    /// <param name="signal">Only flags of this signal; all when null.</param>
    /// <param name="limit">Page size, 1 to 200; the service's default (50) when null.</param>
    /// <param name="cursor">The <see cref="Page{T}.NextCursor"/> of the previous page; null for the first.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<Page<FraudFlag>> ListFraudFlagsPageAsync(FraudSignal? signal = null, int? limit = null, string? cursor = null, CancellationToken cancellationToken = default)
    {
        var path = new QueryString("v1/fraud/flags").Add("signal", signal?.Value)
            .Add("limit", limit?.ToString(CultureInfo.InvariantCulture)).Add("cursor", cursor).ToString();
        return (await GetAsync(path, Contract.PageFraudFlag, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();
    }

    /// <summary>Every fraud flag, fetched a page at a time as the enumeration goes (admin).</summary>
    public IAsyncEnumerable<FraudFlag> ListFraudFlagsAsync(FraudSignal? signal = null, int? pageSize = null, CancellationToken cancellationToken = default) =>
        AllAsync((cursor, ct) => ListFraudFlagsPageAsync(signal, pageSize, cursor, ct), cancellationToken);

    /// <summary>Dismisses a flag; the entity can be flagged again (admin). Not retried: a repeat would answer <c>not_found</c>.</summary>
    public async Task DismissFraudFlagAsync(FraudSignal signal, string value, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        var path = new QueryString("v1/fraud/flags/" + Uri.EscapeDataString(signal.Value)).Add("value", value).ToString();
        (await SendAsync<object>(HttpMethod.Delete, path, null, null, null, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();
    }

    /// <summary>One page of audit entries, newest first (admin).</summary>
    /// <param name="filter">What to look for; every entry when null.</param>
    /// <param name="limit">Page size, 1 to 200; the service's default (50) when null.</param>
    /// <param name="cursor">The <see cref="Page{T}.NextCursor"/> of the previous page; null for the first.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<Page<AuditEntry>> QueryAuditPageAsync(AuditFilter? filter = null, int? limit = null, string? cursor = null, CancellationToken cancellationToken = default)
    {
        var path = new QueryString("v1/audit")
            .Add("subject", filter?.Subject).Add("actor", filter?.Actor).Add("owner", filter?.Owner)
            .Add("campaignId", filter?.CampaignId?.ToString("D")).Add("action", filter?.Action)
            .Add("from", filter?.From?.ToString("O", CultureInfo.InvariantCulture)).Add("to", filter?.To?.ToString("O", CultureInfo.InvariantCulture))
            .Add("limit", limit?.ToString(CultureInfo.InvariantCulture)).Add("cursor", cursor).ToString();
        return (await GetAsync(path, Contract.PageAuditEntry, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();
    }

    /// <summary>Every audit entry that matches, newest first, fetched a page at a time as the enumeration goes (admin).</summary>
    public IAsyncEnumerable<AuditEntry> QueryAuditAsync(AuditFilter? filter = null, int? pageSize = null, CancellationToken cancellationToken = default) =>
        AllAsync((cursor, ct) => QueryAuditPageAsync(filter, pageSize, cursor, ct), cancellationToken);
}
