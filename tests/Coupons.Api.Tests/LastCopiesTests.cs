using Coupons.Api.Http;
using Coupons.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Coupons.Api.Tests;

/// <summary>
/// The node's last copies on their own (no server: the failing store is a read that throws): a copy
/// answers for a failed read, marked stale with its age, until it is older than the limit; nothing
/// is kept of a null, of a read with copies off, or past the bound on items; other failures stand.
/// </summary>
public sealed class LastCopiesTests
{
    private static readonly StorageUnavailableException Down = new("Redis did not answer within 200 ms");

    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));

    [Fact]
    public async Task A_failed_read_is_answered_with_the_last_copy_marked_with_its_age_until_it_is_older_than_the_limit()
    {
        var copies = new LastCopies(TimeSpan.FromSeconds(60), 100, _time);
        Assert.Equal("fresh", await copies.ReadAsync(new DefaultHttpContext(), ("stats", 1), () => ValueTask.FromResult("fresh")));

        _time.Advance(TimeSpan.FromSeconds(42.7));
        var context = new DefaultHttpContext();
        Assert.Equal("fresh", await copies.ReadAsync<string>(context, ("stats", 1), () => throw Down));
        Assert.Equal("42", context.Response.Headers[LastCopies.StaleHeader].ToString());
        Assert.Equal(LastCopies.StaleWarning, context.Response.Headers.Warning.ToString());

        _time.Advance(TimeSpan.FromSeconds(17.3));
        Assert.Equal("fresh", await copies.ReadAsync<string>(new DefaultHttpContext(), ("stats", 1), () => throw Down));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        var tooOld = new DefaultHttpContext();
        Assert.Same(Down, await Assert.ThrowsAsync<StorageUnavailableException>(async () => await copies.ReadAsync<string>(tooOld, ("stats", 1), () => throw Down)));
        Assert.False(tooOld.Response.Headers.ContainsKey(LastCopies.StaleHeader));
    }

    [Fact]
    public async Task A_fresh_answer_is_not_marked_and_replaces_the_copy_and_keys_are_compared_by_value()
    {
        var copies = new LastCopies(TimeSpan.FromSeconds(60), 100, _time);
        var id = Guid.NewGuid();
        await copies.ReadAsync(new DefaultHttpContext(), ("campaign", id), () => ValueTask.FromResult("first"));
        var fresh = new DefaultHttpContext();
        await copies.ReadAsync(fresh, ("campaign", id), () => ValueTask.FromResult("second"));
        Assert.False(fresh.Response.Headers.ContainsKey(LastCopies.StaleHeader));
        Assert.False(fresh.Response.Headers.ContainsKey("Warning"));

        Assert.Equal("second", await copies.ReadAsync<string>(new DefaultHttpContext(), ("campaign", new Guid(id.ToString())), () => throw Down));
        await Assert.ThrowsAsync<StorageUnavailableException>(async () => await copies.ReadAsync<string>(new DefaultHttpContext(), ("stats", id), () => throw Down));
    }

    [Fact]
    public async Task Nothing_is_kept_of_a_null_or_with_copies_off_and_failures_other_than_the_stores_stand()
    {
        var copies = new LastCopies(TimeSpan.FromSeconds(60), 100, _time);
        await copies.ReadAsync(new DefaultHttpContext(), ("campaign", 1), () => ValueTask.FromResult<string?>(null));
        await Assert.ThrowsAsync<StorageUnavailableException>(async () => await copies.ReadAsync<string?>(new DefaultHttpContext(), ("campaign", 1), () => throw Down));

        await copies.ReadAsync(new DefaultHttpContext(), ("campaign", 2), () => ValueTask.FromResult("kept"));
        await Assert.ThrowsAsync<OverloadedException>(async () => await copies.ReadAsync<string>(new DefaultHttpContext(), ("campaign", 2), () => throw new OverloadedException("shed")));

        var off = LastCopies.Off(_time);
        await off.ReadAsync(new DefaultHttpContext(), ("campaign", 3), () => ValueTask.FromResult("not kept"));
        await Assert.ThrowsAsync<StorageUnavailableException>(async () => await off.ReadAsync<string>(new DefaultHttpContext(), ("campaign", 3), () => throw Down));
    }

    [Fact]
    public async Task Copies_are_bounded_by_their_items_the_least_recently_kept_going_first()
    {
        var copies = new LastCopies(TimeSpan.FromSeconds(60), 10, _time);
        await copies.ReadAsync(new DefaultHttpContext(), ("page", 0), () => ValueTask.FromResult(new[] { 1, 2, 3 }), static p => p.Length);
        for (var i = 1; i <= 12; i++)
        {
            var value = i;
            await copies.ReadAsync(new DefaultHttpContext(), ("stats", value), () => ValueTask.FromResult(value));
        }

        // Ten items at most: the page and the first stats went with the oldest generation; the latest are kept.
        await Assert.ThrowsAsync<StorageUnavailableException>(async () => await copies.ReadAsync<int[]>(new DefaultHttpContext(), ("page", 0), () => throw Down));
        await Assert.ThrowsAsync<StorageUnavailableException>(async () => await copies.ReadAsync<int>(new DefaultHttpContext(), ("stats", 1), () => throw Down));
        for (var i = 8; i <= 12; i++)
        {
            Assert.Equal(i, await copies.ReadAsync<int>(new DefaultHttpContext(), ("stats", i), () => throw Down));
        }
    }
}
