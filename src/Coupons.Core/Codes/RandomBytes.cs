using System.Security.Cryptography;

namespace Coupons.Core.Codes;

/// <summary>
/// Where codes and nonces get their randomness: <see cref="SecureRandomBytes"/> in the service, a
/// seeded source in tests so a failure replays. Implementations must be safe to call from any thread.
/// </summary>
public interface IRandomBytes
{
    /// <summary>Fills <paramref name="destination"/> with random bytes.</summary>
    void Fill(Span<byte> destination);
}

/// <summary>The operating system's cryptographic generator (<see cref="RandomNumberGenerator"/>): the only source for real codes and nonces.</summary>
public sealed class SecureRandomBytes : IRandomBytes
{
    public static readonly SecureRandomBytes Instance = new();

    private SecureRandomBytes()
    {
    }

    public void Fill(Span<byte> destination) => RandomNumberGenerator.Fill(destination);
}

/// <summary>
/// A repeatable sequence from a seed, for tests and replays. Predictable by design: never for codes
/// anyone will use, nor for nonces.
/// </summary>
public sealed class SeededRandomBytes(int seed) : IRandomBytes
{
    private readonly Random _random = new(seed);
    private readonly Lock _lock = new();

    public void Fill(Span<byte> destination)
    {
        lock (_lock)
        {
            _random.NextBytes(destination);
        }
    }
}

/// <summary>
/// Small requests served from a per-thread buffer that <paramref name="source"/> fills 4 KiB at a
/// time. Asking the operating system for 12 bytes costs about as much as asking it for 4 KiB (a
/// couple of microseconds on OpenSSL 3), so a nonce taken from a buffer costs nanoseconds. Only for
/// values that are stored in the clear anyway (nonces): the bytes wait in memory until used.
/// </summary>
public sealed class BufferedRandomBytes(IRandomBytes source) : IRandomBytes, IDisposable
{
    public const int BufferBytes = 4096;

    /// <summary>Larger requests go to the source directly.</summary>
    public const int MaxBufferedRequest = 64;

    private readonly ThreadLocal<Buffer> _buffers = new(() => new Buffer());

    public void Fill(Span<byte> destination)
    {
        if (destination.Length > MaxBufferedRequest)
        {
            source.Fill(destination);
            return;
        }

        var buffer = _buffers.Value!;
        if (buffer.Next + destination.Length > BufferBytes)
        {
            source.Fill(buffer.Bytes);
            buffer.Next = 0;
        }

        buffer.Bytes.AsSpan(buffer.Next, destination.Length).CopyTo(destination);
        buffer.Next += destination.Length;
    }

    public void Dispose() => _buffers.Dispose();

    private sealed class Buffer
    {
        public readonly byte[] Bytes = new byte[BufferBytes];

        /// <summary>Starts past the end, so the first request fills the buffer.</summary>
        public int Next = BufferBytes;
    }
}
