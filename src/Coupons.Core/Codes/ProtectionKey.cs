using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Coupons.Core.Codes;

/// <summary>
/// One AES-256-GCM key of <see cref="CodeProtector"/> with its id, and the <see cref="AesGcm"/>
/// instances made for it.
/// </summary>
internal sealed class ProtectionKey : IDisposable
{
    private readonly byte[] _key;

    public ProtectionKey(ReadOnlySpan<byte> key)
    {
        _key = key.ToArray();
        Id = new byte[CodeProtector.KeyIdBytes];
        CodeProtector.WriteKeyId(key, Id);
        IdText = CodeProtector.KeyIdOf(key);
        Ciphers = new InstancePool<AesGcm>(() => new AesGcm(_key, CodeProtector.TagBytes));
    }

    public byte[] Id { get; }

    public string IdText { get; }

    public InstancePool<AesGcm> Ciphers { get; }

    public bool Matches(ReadOnlySpan<byte> key) => CryptographicOperations.FixedTimeEquals(key, _key);

    public void Dispose()
    {
        Ciphers.Dispose();
        CryptographicOperations.ZeroMemory(_key);
    }
}

/// <summary>
/// Instances of a native cryptographic object (<see cref="AesGcm"/>, an HMAC's
/// <see cref="IncrementalHash"/>) for reuse. Each holds one OpenSSL context and must not be used by
/// two threads at once, while making one per call costs more than the work itself; so a call rents
/// one and gives it back. More are made under load; past <see cref="MaxPooled"/>, returns are disposed.
/// </summary>
internal sealed class InstancePool<T>(Func<T> create) : IDisposable
    where T : class, IDisposable
{
    public const int MaxPooled = 64;

    private readonly ConcurrentQueue<T> _pool = new();

    public T Rent() => _pool.TryDequeue(out var instance) ? instance : create();

    public void Return(T instance)
    {
        if (_pool.Count < MaxPooled)
        {
            _pool.Enqueue(instance);
        }
        else
        {
            instance.Dispose();
        }
    }

    public void Dispose()
    {
        while (_pool.TryDequeue(out var instance))
        {
            instance.Dispose();
        }
    }
}
