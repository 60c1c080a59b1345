namespace Bulwark;

/// <summary>
/// The HTTP API that <c>bulwark run</c> serves (the <c>server:</c> section): where it listens, TLS, and how failed
/// authentications are limited. Read by Bulwark.Server.
/// </summary>
public sealed class ServerOptions
{
    /// <summary>The address served unless <see cref="Urls"/> or <c>--urls</c> says otherwise: loopback only.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>Whether <c>bulwark run</c> serves the API. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Where to listen, each an absolute <c>http://</c> or <c>https://</c> URL with a host and a port (0 asks for a free
    /// one). Default <see cref="DefaultUrl"/>.
    /// </summary>
    public IList<string> Urls { get; } = new List<string>();

    /// <summary>The certificate of the <c>https://</c> URLs; null means no TLS (and then no https URL is accepted).</summary>
    public ServerTlsOptions? Tls { get; set; }

    /// <summary>
    /// Failed authentications (a wrong, revoked or malformed key) a remote address may make in one window before every
    /// request it sends is answered 429 until the window ends. Default 10.
    /// </summary>
    public int AuthFailureLimit { get; set; } = 10;

    /// <summary>The length of that window, in seconds. Default 60.</summary>
    public double AuthFailureWindowSeconds { get; set; } = 60;

    /// <summary>The URLs in force: <see cref="Urls"/>, or <see cref="DefaultUrl"/> when none is given.</summary>
    public IReadOnlyList<string> EffectiveUrls => Urls.Count > 0 ? [.. Urls] : [DefaultUrl];
}

/// <summary>The server certificate (the <c>server.tls</c> section).</summary>
public sealed class ServerTlsOptions
{
    /// <summary>A PKCS#12 (<c>.pfx</c>, <c>.p12</c>) or PEM certificate file, relative to the working directory (required).</summary>
    public string Certificate { get; set; } = "";

    /// <summary>The PEM private key file, when <see cref="Certificate"/> is a PEM file without its key.</summary>
    public string? KeyFile { get; set; }

    /// <summary>The password of a PKCS#12 file or of an encrypted PEM key. Prefer <c>BULWARK__SERVER__TLS__PASSWORD</c> to the file.</summary>
    public string? Password { get; set; }
}
