using Coupons.Core.Codes;

namespace Coupons.Conformance;

/// <summary>Fixed code keys for store tests: every store opened in a test derives and hashes codes the same way.</summary>
public static class TestCodes
{
    public static readonly byte[] EncryptionKey = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    public static readonly byte[] LookupKey = Enumerable.Range(64, 32).Select(i => (byte)i).ToArray();

    public static CodeProtector Protector { get; } = new(EncryptionKey, [], LookupKey);

    public static CouponOwnCodes Own { get; } = new(Protector);
}
