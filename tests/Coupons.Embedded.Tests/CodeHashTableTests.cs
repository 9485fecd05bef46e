namespace Coupons.Embedded.Tests;

/// <summary>The code index's table: keys found after any number of doublings, a key given once, and the latest keys taken out again.</summary>
public sealed class CodeHashTableTests
{
    [Fact]
    public void Keys_are_found_across_growth_and_given_once()
    {
        var random = new Random(7);
        var table = new CodeHashTable();
        var keys = new List<UInt128>();
        for (var round = 0; round < 20; round++)
        {
            table.EnsureRoom(5_000);
            for (var i = 0; i < 5_000; i++)
            {
                var key = NextKey(random);
                Assert.Equal(0, table.GetOrAdd(key, keys.Count + 1));
                keys.Add(key);
            }
        }

        // Keys that share their low bits (the bucket) and differ only in the high ones are told apart.
        var twin = keys[0] ^ ((UInt128)1 << 100);
        table.EnsureRoom(1);
        Assert.Equal(0, table.Find(twin));
        Assert.Equal(0, table.GetOrAdd(twin, -1));
        Assert.Equal(-1, table.Find(twin));

        Assert.Equal(keys.Count + 1, table.Count);
        for (var i = 0; i < keys.Count; i++)
        {
            Assert.Equal(i + 1, table.Find(keys[i]));
            Assert.Equal(i + 1, table.GetOrAdd(keys[i], 12345));
        }
    }

    [Fact]
    public void The_latest_keys_taken_out_in_reverse_leave_the_others_as_they_were()
    {
        var random = new Random(11);
        var table = new CodeHashTable();
        table.EnsureRoom(700);
        var kept = Enumerable.Range(0, 500).Select(_ => NextKey(random)).ToList();
        for (var i = 0; i < kept.Count; i++)
        {
            table.GetOrAdd(kept[i], i + 1);
        }

        // Crowd the table so that probes run through the keys taken out again.
        var latest = Enumerable.Range(0, 200).Select(_ => NextKey(random)).Append(kept[3] ^ ((UInt128)1 << 90)).ToList();
        foreach (var key in latest)
        {
            table.GetOrAdd(key, 9);
        }

        for (var i = latest.Count - 1; i >= 0; i--)
        {
            table.RemoveLatest(latest[i]);
        }

        Assert.Equal(kept.Count, table.Count);
        Assert.All(latest, key => Assert.Equal(0, table.Find(key)));
        for (var i = 0; i < kept.Count; i++)
        {
            Assert.Equal(i + 1, table.Find(kept[i]));
        }
    }

    private static UInt128 NextKey(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(bytes);
    }
}
