using Coupons.Api.Protection;
using Microsoft.Extensions.Time.Testing;

namespace Coupons.Api.Tests.Protection;

/// <summary>The embedded mode's sliding windows: distinct members, forgotten once out of the window, capped.</summary>
public sealed class SignalWindowTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch.AddDays(20_000));

    [Fact]
    public async Task A_window_counts_distinct_members_and_forgets_those_not_seen_within_it()
    {
        var store = new LocalSignalStore(_time);
        var window = TimeSpan.FromMinutes(10);
        Assert.Equal(1, await store.ObserveAsync("s", "device", "alice", window, 64));
        Assert.Equal(1, await store.ObserveAsync("s", "device", "alice", window, 64));
        _time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(2, await store.ObserveAsync("s", "device", "bob", window, 64));

        // Alice was last seen 10 minutes ago: out. Bob, seen 4 minutes ago, stays.
        _time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(2, await store.ObserveAsync("s", "device", "carol", window, 64));

        // Seeing a member again moves it to the newest end: bob, seen again, outlives carol.
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(2, await store.ObserveAsync("s", "device", "bob", window, 64));
        _time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(2, await store.ObserveAsync("s", "device", "dave", window, 64));

        // Other entities and signals have windows of their own.
        Assert.Equal(1, await store.ObserveAsync("s", "other-device", "alice", window, 64));
        Assert.Equal(1, await store.ObserveAsync("t", "device", "alice", window, 64));
    }

    [Fact]
    public async Task A_window_keeps_at_most_the_newest_members_it_is_allowed()
    {
        var store = new LocalSignalStore(_time);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(Math.Min(i + 1, 10), await store.ObserveAsync("s", "ip", "user-" + i, TimeSpan.FromHours(1), 10));
            _time.Advance(TimeSpan.FromSeconds(1));
        }
    }

    [Fact]
    public async Task Idle_windows_are_dropped_by_their_own_length_not_by_another_signals()
    {
        var store = new LocalSignalStore(_time);
        Assert.Equal(1, await store.ObserveAsync("device_accounts", "device", "alice", TimeSpan.FromMinutes(10), 64));
        _time.Advance(TimeSpan.FromMinutes(2));

        // Enough observations of a one-minute signal to run the sweep of idle windows several times.
        for (var i = 0; i < 10_000; i++)
        {
            await store.ObserveAsync("claim_burst", "user-" + (i % 50), "claim-" + i, TimeSpan.FromMinutes(1), 64);
        }

        // Alice, seen 2 minutes ago, is still within the device's 10-minute window.
        Assert.Equal(2, await store.ObserveAsync("device_accounts", "device", "bob", TimeSpan.FromMinutes(10), 64));
    }
}
