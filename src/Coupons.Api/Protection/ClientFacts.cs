using System.Net;
using Coupons.Api.Http;

namespace Coupons.Api.Protection;

/// <summary>
/// Who a request comes from, as the protections see it: read once per request (after
/// authentication) and kept in the request's features for the blocklist, the rate limits and the
/// fraud signals.
/// </summary>
public sealed class ClientFacts
{
    public const string DeviceHeader = "X-Device-Id";
    public const int MaxDeviceIdLength = 128;

    /// <summary>The client's address: the connection's, or the one a trusted proxy forwarded. IPv4 as IPv4.</summary>
    public IPAddress? Ip
    {
        get;
        init
        {
            field = value;
            IpText = value?.ToString();
        }
    }

    /// <summary>The address as text, made once for the limits, the signals and the audit log.</summary>
    public string? IpText { get; private init; }

    /// <summary>The <c>X-Device-Id</c> header, when the client sent a valid one.</summary>
    public string? Device { get; init; }

    /// <summary>The token's subject when the caller is an end user; null for other roles and anonymous calls.</summary>
    public string? User { get; init; }

    public CallerRole Role { get; init; }

    /// <summary>True for the roles <see cref="ProtectionOptions.ExemptRoles"/> names: no limit or block applies.</summary>
    public bool Exempt { get; init; }

    /// <summary>The campaign of a claim request; null for every other request.</summary>
    public Guid? ClaimCampaign { get; init; }

    public static ClientFacts? Of(HttpContext context) => context.Features.Get<ClientFacts>();

    /// <summary>A device id is 1 to 128 visible ASCII characters, as an idempotency key.</summary>
    public static bool IsValidDeviceId(string value) =>
        value.Length is > 0 and <= MaxDeviceIdLength && value.All(c => c is > ' ' and <= '~');

    /// <summary>An IPv4 client reached over an IPv6 socket is the same client as over IPv4.</summary>
    public static IPAddress? Normalize(IPAddress? address) =>
        address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;
}
