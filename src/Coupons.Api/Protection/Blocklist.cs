using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Coupons.Api.Protection;

/// <summary>An entry of the blocklist: who is blocked, why, by whom, until when (or for good).</summary>
public sealed record BlockEntry(
    string Kind,
    string Value,
    string? Reason,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? ExpiresAt)
{
    public const string User = "user";
    public const string Ip = "ip";
    public const string Device = "device";
    public const int MaxReasonLength = 500;

    /// <summary>The entry's key: one entry per kind and value.</summary>
    [JsonIgnore]
    public string Key => KeyOf(Kind, Value);

    public static string KeyOf(string kind, string value) => kind + ":" + value;

    public bool IsLive(DateTimeOffset now) => ExpiresAt is not { } expiresAt || expiresAt > now;

    /// <summary>
    /// The canonical value of an entry, or null with the reason when it is not one: a user id as the
    /// tokens carry it, a device id as the header does, an address or a CIDR range (the range's base
    /// address must have no bits set past its prefix). A single address is kept without a prefix.
    /// </summary>
    public static string? Canonical(string kind, string? value, out string? error)
    {
        error = null;
        switch (kind)
        {
            case User when value is { Length: > 0 and <= Core.StoreLimits.MaxUserIdLength } && !string.IsNullOrWhiteSpace(value):
                return value;
            case User:
                error = $"a user id is 1 to {Core.StoreLimits.MaxUserIdLength} characters";
                return null;
            case Device when value is not null && ClientFacts.IsValidDeviceId(value):
                return value;
            case Device:
                error = $"a device id is 1 to {ClientFacts.MaxDeviceIdLength} visible ASCII characters";
                return null;
            case Ip when value is not null && !value.Contains('/', StringComparison.Ordinal) && IPAddress.TryParse(value, out var address):
                return ClientFacts.Normalize(address)!.ToString();
            case Ip when value is not null && IPNetwork.TryParse(value, out var network)
                && IPAddress.TryParse(value.AsSpan(0, value.IndexOf('/', StringComparison.Ordinal)), out var written) && written.Equals(network.BaseAddress):
                var normalized = network.BaseAddress.IsIPv4MappedToIPv6 && network.PrefixLength >= 96
                    ? new IPNetwork(network.BaseAddress.MapToIPv4(), network.PrefixLength - 96)
                    : network;
                var full = normalized.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
                return normalized.PrefixLength == full ? normalized.BaseAddress.ToString() : normalized.ToString();
            case Ip:
                error = "an IP address or a CIDR range whose address has no bits set past its prefix, like 203.0.113.0/24";
                return null;
            default:
                error = "must be one of user, ip, device";
                return null;
        }
    }
}

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

/// <summary>Where the blocklist is kept: a file beside the embedded store's data, or Redis for every node.</summary>
public interface IBlocklistStore
{
    /// <summary>Every entry, and a version that changes with every change.</summary>
    Task<(long Version, IReadOnlyList<BlockEntry> Entries)> ReadAsync();

    /// <summary>The version alone, cheap enough to ask several times a second.</summary>
    Task<long> VersionAsync();

    Task SetAsync(BlockEntry entry);

    /// <summary>Removes the entries with these keys; returns how many there were.</summary>
    Task<long> RemoveAsync(IReadOnlyList<string> keys);
}

internal static class BlockEntryJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { TypeInfoResolver = Contracts.CouponsJsonContext.Default };
}
