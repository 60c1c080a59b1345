using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Bulwark.Configuration;

/// <summary>
/// The rules of the <c>server:</c> section, checked once before anything runs, every violation with its field path:
/// every URL absolute http or https with a host, a port and no path; an https URL only with a certificate that loads, and
/// a certificate only with an https URL; the failed-authentication limit in range.
/// </summary>
internal static class ServerOptionsValidator
{
    private const string Root = "server";

    public static void Validate(List<OptionsError> errors, BulwarkOptions options)
    {
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Server is not { } server)
        {
            return;
        }

        var https = ValidateUrls(errors, OptionsPath.Key(Root, "urls"), server.Urls);
        if (server.AuthFailureLimit is < 1 or > 1_000_000)
        {
            errors.Add(new(OptionsPath.Key(Root, "authFailureLimit"),
                $"must be between 1 and 1000000 failed authentications per window, got {server.AuthFailureLimit.ToString(CultureInfo.InvariantCulture)}"));
        }

        if (!(server.AuthFailureWindowSeconds >= 1 && server.AuthFailureWindowSeconds <= 86_400))
        {
            errors.Add(new(OptionsPath.Key(Root, "authFailureWindowSeconds"),
                $"must be between 1 and 86400 seconds, got {server.AuthFailureWindowSeconds.ToString(CultureInfo.InvariantCulture)}"));
        }

        var tlsPath = OptionsPath.Key(Root, "tls");
        if (server.Tls is { } tls)
        {
            // Without server.urls, --urls may name the https URL; with them, a certificate no URL uses is a mistake.
            if (!https && server.Enabled && server.Urls.Count > 0)
            {
                errors.Add(new(tlsPath, "a certificate is set but no URL of server.urls is https://: add one, or remove server.tls"));
            }

            if (LoadCertificate(tls) is { } problem)
            {
                errors.Add(new(OptionsPath.Key(tlsPath, problem.Field), problem.Message));
            }
        }
        else if (https)
        {
            errors.Add(new(OptionsPath.Key(Root, "urls"), "an https:// URL needs a certificate: set server.tls.certificate (and its password or keyFile)"));
        }
    }

    /// <summary>Checks one list of URLs (the file's or <c>--urls</c>); true when one of them is https.</summary>
    internal static bool ValidateUrls(List<OptionsError> errors, string path, IList<string> urls)
    {
        var https = false;
        for (var i = 0; i < urls.Count; i++)
        {
            var itemPath = urls.Count == 1 ? path : OptionsPath.Item(path, i);
            if (UrlProblem(urls[i]) is { } problem)
            {
                errors.Add(new(itemPath, problem));
            }
            else
            {
                https |= urls[i].StartsWith("https://", StringComparison.OrdinalIgnoreCase);
            }
        }

        return https;
    }

    /// <summary>Why <paramref name="url"/> cannot be listened on, or null.</summary>
    internal static string? UrlProblem(string url)
    {
        const string Example = "use for example " + ServerOptions.DefaultUrl;
        if (string.IsNullOrWhiteSpace(url))
        {
            return "must not be empty; " + Example;
        }

        // Kestrel's wildcard hosts are not URI hosts: check them as a bound-everywhere name.
        var normalised = url.Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalised, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return $"'{url}' is not an http:// or https:// URL; {Example}";
        }

        if (string.IsNullOrEmpty(uri.Host))
        {
            return $"'{url}' has no host; {Example}";
        }

        if (!HasExplicitPort(normalised, uri))
        {
            return $"'{url}' has no port; {Example} (0 asks for a free port)";
        }

        if (uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return $"'{url}' must be scheme://host:port only, without a path, query or user; {Example}";
        }

        return null;
    }

    private static bool HasExplicitPort(string text, Uri uri)
    {
        var authority = text[(text.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var end = authority.IndexOfAny(['/', '?', '#']);
        authority = end < 0 ? authority : authority[..end];
        var colon = authority.LastIndexOf(':');
        return colon > authority.LastIndexOf(']') && colon < authority.Length - 1 && uri.Port >= 0;
    }

    /// <summary>Loads the certificate to prove it can be used; the field at fault and why, or null.</summary>
    internal static (string Field, string Message)? LoadCertificate(ServerTlsOptions tls)
    {
        if (string.IsNullOrWhiteSpace(tls.Certificate))
        {
            return ("certificate", "is required: a .pfx/.p12 or PEM certificate file");
        }

        var path = Path.GetFullPath(tls.Certificate);
        if (!File.Exists(path))
        {
            return ("certificate", $"file not found: {path}");
        }

        if (tls.KeyFile is { } keyFile && !File.Exists(Path.GetFullPath(keyFile)))
        {
            return ("keyFile", $"file not found: {Path.GetFullPath(keyFile)}");
        }

        try
        {
            using var certificate = Open(tls);
            if (!certificate.HasPrivateKey)
            {
                return ("certificate", $"{path} has no private key: give a .pfx with its key, or the PEM key in server.tls.keyFile");
            }
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            return ("certificate", $"{path} cannot be loaded ({ex.Message.TrimEnd('.')}): check the file and server.tls.password");
        }

        return null;
    }

    /// <summary>The certificate with its private key (the caller disposes it).</summary>
    internal static X509Certificate2 Open(ServerTlsOptions tls)
    {
        var path = Path.GetFullPath(tls.Certificate);
        if (tls.KeyFile is { } keyFile)
        {
            return tls.Password is { } password
                ? X509Certificate2.CreateFromEncryptedPemFile(path, password, Path.GetFullPath(keyFile))
                : X509Certificate2.CreateFromPemFile(path, Path.GetFullPath(keyFile));
        }

        // PEM is text starting with "-----BEGIN"; anything else is taken as PKCS#12.
        var pem = File.ReadAllText(path).Contains("-----BEGIN", StringComparison.Ordinal);
        return pem ? X509Certificate2.CreateFromPemFile(path) : X509CertificateLoader.LoadPkcs12FromFile(path, tls.Password);
    }
}
