using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Bulwark.Server.Auth;

namespace Bulwark.Server.Tests.Hosting;

/// <summary>server.tls on the real host: an https URL serves with the configured certificate.</summary>
public sealed class TlsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task AnHttpsUrl_ServesWithTheConfiguredCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(TimeProvider.System.GetUtcNow().AddDays(-1), TimeProvider.System.GetUtcNow().AddDays(1));
        var pfx = _dir.File("server.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "secret"));
        string? presented = null;
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, served, _, _) =>
            {
                presented = served?.Thumbprint;
                return served?.Thumbprint == certificate.Thumbprint;
            },
        };

        await using var harness = await ServerHarness.StartAsync(
            o => o.Server = new ServerOptions { Tls = new ServerTlsOptions { Certificate = pfx, Password = "secret" } },
            url: "https://127.0.0.1:0",
            handler: handler);

        Assert.StartsWith("https://127.0.0.1:", harness.Server.Addresses[0], StringComparison.Ordinal);
        await Problem.JsonAsync(await harness.GetAsync("/api/v1/status", ApiRole.Viewer));
        Assert.Equal(certificate.Thumbprint, presented);
    }
}
