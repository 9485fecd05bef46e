using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Coupons.Api.Hosting;
using Coupons.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Coupons.Api.Tests;

/// <summary>
/// HTTPS on a real Kestrel socket, with the certificate from configuration as an operator gives it:
/// real handshakes at each protocol version, and HSTS on the answers.
/// </summary>
public sealed class TlsTests : IAsyncLifetime
{
    private const string Host = "coupons.test";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "coupons-tls-tests-" + Guid.NewGuid().ToString("N"));
    private X509Certificate2 _certificate = null!;
    private WebApplication _app = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        var path = Path.Combine(_dir, "server.pfx");
        _certificate = WriteSelfSigned(path, "test-password");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Production",
            Args =
            [
                "--Kestrel:Endpoints:Https:Url=https://127.0.0.1:0",
                "--Kestrel:Endpoints:Https:Certificate:Path=" + path,
                "--Kestrel:Endpoints:Https:Certificate:Password=test-password",
                "--Coupons:Embedded:DataDir=" + Path.Combine(_dir, "data"),
                "--Coupons:Auth:SigningKey=" + CouponsApiFactory.SigningKeyText,
                "--Logging:LogLevel:Default=Warning",
            ],
        });
        builder.AddCouponsService();
        _app = builder.Build();
        _app.MapCouponsService();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        _port = new Uri(address).Port;
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _certificate.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Theory]
    [InlineData(SslProtocols.Tls13)]
    [InlineData(SslProtocols.Tls12)]
    public async Task Tls_1_2_and_1_3_handshakes_succeed_with_the_configured_certificate_and_answers_carry_hsts(SslProtocols protocol)
    {
        var (negotiated, answer) = await GetOverTlsAsync(protocol, Host);

        Assert.Equal(protocol, negotiated);
        Assert.StartsWith("HTTP/1.1 200", answer, StringComparison.Ordinal);
        Assert.Contains("Strict-Transport-Security: max-age=31536000; includeSubDomains", answer, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Local_host_names_get_no_hsts_so_a_browser_does_not_pin_them()
    {
        var (_, answer) = await GetOverTlsAsync(SslProtocols.Tls13, "localhost");

        Assert.StartsWith("HTTP/1.1 200", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("Strict-Transport-Security", answer, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_tls_1_1_handshake_is_refused()
    {
#pragma warning disable SYSLIB0039 // TLS 1.1 is obsolete: that is the point of the test.
        var refused = await Record.ExceptionAsync(() => GetOverTlsAsync(SslProtocols.Tls11, Host));
#pragma warning restore SYSLIB0039

        Assert.True(refused is AuthenticationException or IOException, $"expected a failed handshake, got {refused?.GetType().Name ?? "success"}");
        // The server is still up for a client that speaks TLS 1.2 or 1.3.
        Assert.StartsWith("HTTP/1.1 200", (await GetOverTlsAsync(SslProtocols.Tls13, Host)).Answer, StringComparison.Ordinal);
    }

    /// <summary>A handshake at exactly one protocol version, trusting only the test's certificate, then GET /health/live.</summary>
    private async Task<(SslProtocols Negotiated, string Answer)> GetOverTlsAsync(SslProtocols protocol, string hostHeader)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _port);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = Host,
            EnabledSslProtocols = protocol,
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == _certificate.GetCertHashString(),
        });
        await tls.WriteAsync(Encoding.ASCII.GetBytes($"GET /health/live HTTP/1.1\r\nHost: {hostHeader}\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(tls, Encoding.ASCII);
        return (tls.SslProtocol, await reader.ReadToEndAsync());
    }

    /// <summary>What `dotnet dev-certs https --export-path` gives an operator: a self-signed server certificate in a PFX file.</summary>
    private static X509Certificate2 WriteSelfSigned(string path, string password)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + Host, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(Host);
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var pfx = created.Export(X509ContentType.Pfx, password);
        File.WriteAllBytes(path, pfx);
        return X509CertificateLoader.LoadPkcs12(pfx, password);
    }
}
