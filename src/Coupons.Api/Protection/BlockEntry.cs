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

internal static class BlockEntryJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { TypeInfoResolver = Contracts.CouponsJsonContext.Default };
}
