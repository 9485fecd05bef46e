using System.Security.Cryptography;

namespace Coupons.Core;

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
