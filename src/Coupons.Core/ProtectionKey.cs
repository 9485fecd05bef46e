using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Coupons.Core;

/// <summary>
/// One AES-256-GCM key of <see cref="CodeProtector"/> with its id, and the <see cref="AesGcm"/>
/// instances made for it. An <see cref="AesGcm"/> holds one native cipher context and must not be
/// used by two threads at once, while making one per call costs more than the encryption itself; so
/// each call rents one and gives it back.
/// </summary>
internal sealed class ProtectionKey : IDisposable
{
    /// <summary>Instances kept for reuse; more are made under load and disposed on return.</summary>
    private const int MaxPooled = 64;

    private readonly byte[] _key;
    private readonly ConcurrentQueue<AesGcm> _pool = new();

    public ProtectionKey(ReadOnlySpan<byte> key)
    {
        _key = key.ToArray();
        Id = new byte[CodeProtector.KeyIdBytes];
        CodeProtector.WriteKeyId(key, Id);
        IdText = CodeProtector.KeyIdOf(key);
    }

    public byte[] Id { get; }

    public string IdText { get; }

    public bool Matches(ReadOnlySpan<byte> key) => CryptographicOperations.FixedTimeEquals(key, _key);

    public AesGcm Rent() => _pool.TryDequeue(out var aes) ? aes : new AesGcm(_key, CodeProtector.TagBytes);

    public void Return(AesGcm aes)
    {
        if (_pool.Count < MaxPooled)
        {
            _pool.Enqueue(aes);
        }
        else
        {
            aes.Dispose();
        }
    }

    public void Dispose()
    {
        while (_pool.TryDequeue(out var aes))
        {
            aes.Dispose();
        }

        CryptographicOperations.ZeroMemory(_key);
    }
}
