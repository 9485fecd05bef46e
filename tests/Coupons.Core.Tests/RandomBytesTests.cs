using Coupons.Core.Codes;

namespace Coupons.Core.Tests;

public sealed class RandomBytesTests
{
    [Fact]
    public void A_buffered_source_hands_out_its_source_bytes_in_order_and_in_full()
    {
        var expected = new byte[BufferedRandomBytes.BufferBytes];
        new SeededRandomBytes(99).Fill(expected);

        using var buffered = new BufferedRandomBytes(new SeededRandomBytes(99));
        var taken = new List<byte>();
        var nonce = new byte[12];
        while (taken.Count + nonce.Length <= BufferedRandomBytes.BufferBytes)
        {
            buffered.Fill(nonce);
            taken.AddRange(nonce);
        }

        Assert.Equal(expected.AsSpan(0, taken.Count).ToArray(), taken);
    }

    [Fact]
    public void A_buffered_source_never_hands_out_the_same_bytes_twice()
    {
        using var buffered = new BufferedRandomBytes(SecureRandomBytes.Instance);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var nonce = new byte[12];
        for (var i = 0; i < 50_000; i++)
        {
            buffered.Fill(nonce);
            Assert.True(seen.Add(Convert.ToBase64String(nonce)));
        }
    }

    [Fact]
    public void A_large_request_goes_to_the_source_directly()
    {
        var counting = new CountingSource();
        using var buffered = new BufferedRandomBytes(counting);
        buffered.Fill(new byte[BufferedRandomBytes.MaxBufferedRequest + 1]);
        Assert.Equal([BufferedRandomBytes.MaxBufferedRequest + 1], counting.Requests);
        buffered.Fill(new byte[12]);
        buffered.Fill(new byte[12]);
        Assert.Equal([BufferedRandomBytes.MaxBufferedRequest + 1, BufferedRandomBytes.BufferBytes], counting.Requests);
    }

    private sealed class CountingSource : IRandomBytes
    {
        public List<int> Requests { get; } = [];

        public void Fill(Span<byte> destination) => Requests.Add(destination.Length);
    }
}
