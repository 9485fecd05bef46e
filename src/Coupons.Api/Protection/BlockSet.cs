using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Coupons.Api.Protection;

/// <summary>
/// The blocklist at one moment, for matching every request: users and devices by exact value,
/// addresses by every prefix length in use (so a lookup costs one hash probe per length, whatever
/// the number of entries).
/// </summary>
public sealed class BlockSet
{
    public static readonly BlockSet Empty = new([]);

    private readonly FrozenDictionary<string, BlockEntry> _users;
    private readonly FrozenDictionary<string, BlockEntry> _devices;
    private readonly (int Prefix, Dictionary<UInt128, BlockEntry> Networks)[] _v4;
    private readonly (int Prefix, Dictionary<UInt128, BlockEntry> Networks)[] _v6;

    public BlockSet(IEnumerable<BlockEntry> entries)
    {
        Entries = [.. entries.OrderBy(e => e.Key, StringComparer.Ordinal)];
        _users = Entries.Where(e => e.Kind == BlockEntry.User).ToFrozenDictionary(e => e.Value, StringComparer.Ordinal);
        _devices = Entries.Where(e => e.Kind == BlockEntry.Device).ToFrozenDictionary(e => e.Value, StringComparer.Ordinal);
        var networks = Entries.Where(e => e.Kind == BlockEntry.Ip)
            .Select(e => (Entry: e, Network: e.Value.Contains('/', StringComparison.Ordinal) ? IPNetwork.Parse(e.Value) : new IPNetwork(IPAddress.Parse(e.Value), e.Value.Contains(':', StringComparison.Ordinal) ? 128 : 32)))
            .ToList();
        _v4 = Group(networks, AddressFamily.InterNetwork);
        _v6 = Group(networks, AddressFamily.InterNetworkV6);
    }

    /// <summary>Every entry, ordered by kind and value.</summary>
    public IReadOnlyList<BlockEntry> Entries { get; }

    /// <summary>The live entry that blocks this client, if any: its user first, then its address, then its device.</summary>
    public BlockEntry? Match(ClientFacts facts, DateTimeOffset now)
    {
        if (facts.User is { } user && _users.TryGetValue(user, out var entry) && entry.IsLive(now))
        {
            return entry;
        }

        if (facts.Ip is { } ip && MatchAddress(ip) is { } byAddress && byAddress.IsLive(now))
        {
            return byAddress;
        }

        return facts.Device is { } device && _devices.TryGetValue(device, out entry) && entry.IsLive(now) ? entry : null;
    }

    private BlockEntry? MatchAddress(IPAddress address)
    {
        var (groups, bits) = address.AddressFamily == AddressFamily.InterNetwork ? (_v4, 32) : (_v6, 128);
        if (groups.Length == 0)
        {
            return null;
        }

        var value = ToNumber(address);
        foreach (var (prefix, networks) in groups)
        {
            if (networks.TryGetValue(Mask(value, prefix, bits), out var entry))
            {
                return entry;
            }
        }

        return null;
    }

    private static (int, Dictionary<UInt128, BlockEntry>)[] Group(List<(BlockEntry Entry, IPNetwork Network)> networks, AddressFamily family)
    {
        var bits = family == AddressFamily.InterNetwork ? 32 : 128;
        return [.. networks.Where(n => n.Network.BaseAddress.AddressFamily == family)
            .GroupBy(n => n.Network.PrefixLength)
            .OrderByDescending(g => g.Key)
            .Select(g => (g.Key, g.ToDictionary(n => Mask(ToNumber(n.Network.BaseAddress), g.Key, bits), n => n.Entry)))];
    }

    private static UInt128 ToNumber(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        return written == 4 ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    private static UInt128 Mask(UInt128 value, int prefix, int bits) =>
        prefix == 0 ? UInt128.Zero : value & ((bits == 32 ? (UInt128)uint.MaxValue : UInt128.MaxValue) << (bits - prefix));
}
