using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Bulwark.Tests.Configuration;

/// <summary>The <c>server:</c> section: bound strictly, each mistake named by its path; TLS loaded to prove it works.</summary>
public sealed class ServerConfigurationTests : IDisposable
{
    private readonly ConfigurationFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void NoSection_ServesTheLoopbackDefault()
    {
        var options = _files.LoadValid(ConfigurationFiles.Valid);

        Assert.Null(options.Server);
        Assert.Equal([ServerOptions.DefaultUrl], new ServerOptions().EffectiveUrls);
        Assert.Equal("http://127.0.0.1:5080", ServerOptions.DefaultUrl);
    }

    [Fact]
    public void UrlsAsAList_AndEnabledFalse_AreRead()
    {
        var options = _files.LoadValid(Server("  enabled: false\n  urls:\n    - http://127.0.0.1:0\n    - http://localhost:8080"));

        Assert.False(options.Server!.Enabled);
        Assert.Equal(["http://127.0.0.1:0", "http://localhost:8080"], options.Server.Urls);
    }

    [Theory]
    [InlineData("  urls: ftp://127.0.0.1:21", "server.urls", "is not an http:// or https:// URL")]
    [InlineData("  urls: 127.0.0.1:5080", "server.urls", "is not an http:// or https:// URL")]
    [InlineData("  urls: http://127.0.0.1", "server.urls", "has no port")]
    [InlineData("  urls: http://127.0.0.1:5080/api", "server.urls", "without a path")]
    [InlineData("  urls: http://127.0.0.1:99999", "server.urls", "is not an http:// or https:// URL")]
    [InlineData("  urls:\n    - http://127.0.0.1:1\n    - nothing", "server.urls[1]", "is not an http:// or https:// URL")]
    [InlineData("  urls: https://127.0.0.1:5443", "server.urls", "needs a certificate")]
    [InlineData("  enabled: maybe", "server.enabled", "must be one of true, false")]
    [InlineData("  authFailureLimit: 0", "server.authFailureLimit", "between 1 and 1000000")]
    [InlineData("  authFailureLimit: many", "server.authFailureLimit", "must be a whole number")]
    [InlineData("  authFailureWindowSeconds: 0.5", "server.authFailureWindowSeconds", "between 1 and 86400")]
    [InlineData("  url: http://127.0.0.1:5080", "server.url", "did you mean 'urls'?")]
    [InlineData("  tls:\n    certificate: /nonexistent/cert.pfx\n  urls: https://127.0.0.1:5443", "server.tls.certificate", "file not found")]
    [InlineData("  tls:\n    keyFile: k.pem\n  urls: https://127.0.0.1:5443", "server.tls.certificate", "is required")]
    public void AMistake_IsNamedByItsPath(string section, string path, string message) =>
        _files.LoadSingleError(Server(section), path, message);

    [Fact]
    public void AMisspeltTlsKey_IsNamed_WithTheKeyItMeant()
    {
        var result = _files.Load(Server("  urls: https://127.0.0.1:0\n  tls:\n    certificat: c.pfx"));

        Assert.Null(result.Options);
        Assert.Contains(new OptionsError("server.tls.certificat", "unknown key (did you mean 'certificate'?)"), result.Errors);
    }

    [Fact]
    public void AScalarOrEmptyServerSection_IsRefused()
    {
        _files.LoadSingleError(ConfigurationFiles.Valid + "server: on\n", "server", "must be a section of keys");
        _files.LoadSingleError(ConfigurationFiles.Valid + "server:\n", "server", "must not be empty");
    }

    [Fact]
    public void APkcs12Certificate_Loads_AndAWrongPasswordIsNamed()
    {
        var pfx = WriteCertificate("right");

        var options = _files.LoadValid(Server($"  urls: https://127.0.0.1:0\n  tls:\n    certificate: {pfx}\n    password: right"));
        Assert.Equal(pfx, options.Server!.Tls!.Certificate);

        _files.LoadSingleError(Server($"  urls: https://127.0.0.1:0\n  tls:\n    certificate: {pfx}\n    password: wrong"), "server.tls.certificate", "cannot be loaded");
    }

    [Fact]
    public void ACertificateWithoutAnHttpsUrl_IsRefused()
    {
        var pfx = WriteCertificate("p");

        _files.LoadSingleError(Server($"  urls: http://127.0.0.1:0\n  tls:\n    certificate: {pfx}\n    password: p"), "server.tls", "no URL of server.urls is https://");
    }

    private static string Server(string section) => ConfigurationFiles.Valid + "server:\n" + section + "\n";

    private string WriteCertificate(string password)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(TimeProvider.System.GetUtcNow().AddDays(-1), TimeProvider.System.GetUtcNow().AddDays(1));
        var path = Path.Combine(_files.Directory, "server.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, password));
        return path;
    }
}
