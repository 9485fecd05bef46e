using Coupons.Core.Codes;

namespace Coupons.Embedded.Tests;

/// <summary>
/// The own codes' table: codes added by claims and by the scan at open found across growth, lookups
/// waiting for the scan, a key shared by two codes giving both, a coupon added twice given once.
/// </summary>
public sealed class OwnCodeIndexTests
{
    [Fact]
    public async Task Codes_added_one_by_one_and_by_the_scan_are_all_found_once_the_scan_ends()
    {
        var random = new Random(11);
        var index = new OwnCodeIndex();
        var scanned = Enumerable.Range(0, 30_000).Select(_ => (Hash: NextHash(random), Id: Guid.CreateVersion7())).ToList();
        var claimed = Enumerable.Range(0, 20_000).Select(_ => (Hash: NextHash(random), Id: Guid.CreateVersion7())).ToList();
        using var release = new ManualResetEventSlim();
        index.Load(
            add =>
            {
                // Claims go on while the scan reads: the table grows under both.
                release.Wait();
                foreach (var (hash, id) in scanned)
                {
                    add(hash, id);
                }
            },
            expected: 100);

        var lookup = index.FindAsync(claimed[0].Hash, CancellationToken.None).AsTask();
        foreach (var (hash, id) in claimed)
        {
            index.Add(hash, id);
        }

        Assert.False(lookup.IsCompleted);
        index.Add(scanned[^1].Hash, scanned[^1].Id);
        release.Set();
        Assert.Equal([claimed[0].Id], await lookup);
        foreach (var (hash, id) in scanned.Concat(claimed))
        {
            Assert.Equal([id], await index.FindAsync(hash, CancellationToken.None));
        }

        Assert.Empty(await index.FindAsync(NextHash(random), CancellationToken.None));
    }

    [Fact]
    public async Task Two_codes_with_the_same_key_both_come_back_for_the_caller_to_tell_apart()
    {
        var index = new OwnCodeIndex();
        index.Load(_ => { }, expected: 0);
        var hash = new CodeHash(((UInt128)5 << 64) | 42);
        var (first, second) = (Guid.CreateVersion7(), Guid.CreateVersion7());
        index.Add(hash, first);
        index.Add(new CodeHash(((UInt128)9 << 64) | 42), second);
        Assert.Equal([first, second], await index.FindAsync(hash, CancellationToken.None));
    }

    [Fact]
    public async Task A_scan_that_fails_fails_every_lookup()
    {
        var index = new OwnCodeIndex();
        index.Load(_ => throw new IOException("the disk"), expected: 0);
        await Assert.ThrowsAsync<IOException>(() => index.FindAsync(new CodeHash(1), CancellationToken.None).AsTask());
    }

    private static CodeHash NextHash(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return CodeHash.Read(bytes);
    }
}
