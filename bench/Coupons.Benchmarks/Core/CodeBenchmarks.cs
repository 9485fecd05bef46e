using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Coupons.Core.Codes;

namespace Coupons.Benchmarks.Core;

/// <summary>
/// What a generation job spends per code before the store: a code (random symbols and the check
/// character), its lookup hash (HMAC-SHA256) and its stored form (AES-256-GCM), with the production
/// random source. The goal is a million codes generated, encrypted and durable in under 10 s on two
/// cores, so this part should stay well under a microsecond or two per code.
/// </summary>
[MemoryDiagnoser]
public class CodeBenchmarks
{
    private const string Prefix = "SUMMER";

    /// <summary>Codes per invocation of the all-cores benchmark (its time is reported per code).</summary>
    private const int Batch = 100_000;

    private readonly Guid _campaign = Guid.CreateVersion7();
    private readonly char[] _code = new char[CouponCodes.MaxCodeLength];
    private readonly byte[] _hash = new byte[CodeProtector.LookupHashBytes];
    private readonly byte[] _stored = new byte[CodeProtector.Overhead + CodeProtector.MaxCodeChars];
    private CodeGenerator _generator = null!;
    private CodeProtector _protector = null!;
    private string _sample = null!;
    private int _storedLength;

    [GlobalSetup]
    public void Setup()
    {
        _generator = new CodeGenerator(SecureRandomBytes.Instance);
        _protector = new CodeProtector(RandomNumberGenerator.GetBytes(32), [], RandomNumberGenerator.GetBytes(32));
        _sample = _generator.Generate(Prefix);
        _storedLength = _protector.Protect(_sample, _campaign, _stored);
    }

    [GlobalCleanup]
    public void Cleanup() => _protector.Dispose();

    /// <summary>Prefix, 11 random symbols and the check character, into a span.</summary>
    [Benchmark]
    public int Generate() => _generator.Generate(Prefix, CouponCodes.DefaultLength, _code);

    /// <summary>What refuses a typo before any lookup: normalize and check.</summary>
    [Benchmark]
    public bool TryParse() => CouponCodes.TryParse(_sample, out _);

    [Benchmark]
    public byte LookupHash()
    {
        _protector.LookupHash(_sample, _hash);
        return _hash[0];
    }

    [Benchmark]
    public int Protect() => _protector.Protect(_sample, _campaign, _stored);

    [Benchmark]
    public int Unprotect() => _protector.Unprotect(_stored.AsSpan(0, _storedLength), _campaign, _code);

    /// <summary>A generation job's whole cost per code, into buffers it reuses.</summary>
    [Benchmark]
    public int GenerateHashProtect()
    {
        var length = _generator.Generate(Prefix, CouponCodes.DefaultLength, _code);
        var code = _code.AsSpan(0, length);
        _protector.LookupHash(code, _hash);
        return _protector.Protect(code, _campaign, _stored);
    }

    /// <summary>
    /// <see cref="GenerateHashProtect"/> on every core at once (one generator and set of buffers per
    /// thread, one shared protector), as a job could split its codes; time per code.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void GenerateHashProtect_AllCores()
    {
        var threads = Environment.ProcessorCount;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, part =>
        {
            var generator = new CodeGenerator(SecureRandomBytes.Instance);
            Span<char> code = stackalloc char[CouponCodes.MaxCodeLength];
            Span<byte> hash = stackalloc byte[CodeProtector.LookupHashBytes];
            Span<byte> stored = stackalloc byte[CodeProtector.Overhead + CodeProtector.MaxCodeChars];
            for (var i = part; i < Batch; i += threads)
            {
                var length = generator.Generate(Prefix, CouponCodes.DefaultLength, code);
                _protector.LookupHash(code[..length], hash);
                _protector.Protect(code[..length], _campaign, stored);
            }
        });
    }

    /// <summary>The same with the allocating forms: the code as a string, hash and stored value as base64 (what the Redis and PostgreSQL stores keep).</summary>
    [Benchmark]
    public int GenerateHashProtect_Text()
    {
        var code = _generator.Generate(Prefix);
        return _protector.LookupHashText(code).Length + _protector.ProtectToText(code, _campaign).Length;
    }
}
