using Bulwark.Configuration;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Bulwark.Server.Hosting;

/// <summary>
/// Where Kestrel listens: the URLs (validated when the configuration was loaded, and <c>--urls</c> by the CLI), TLS from
/// <c>server.tls</c> for the https ones, and request limits that keep a slow or huge client from holding the host.
/// </summary>
internal static class KestrelBinding
{
    /// <summary>The largest request body accepted anywhere (an endpoint may lower it).</summary>
    public const long MaxRequestBodyBytes = 1024 * 1024;

    public static void Apply(IWebHostBuilder webHost, ServerOptions options, IReadOnlyList<string> urls)
    {
        webHost.UseUrls([.. urls]);

        // The slim builder leaves https out unless asked for.
        webHost.UseKestrelHttpsConfiguration();
        webHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            if (options.Tls is { } tls)
            {
                var certificate = ServerOptionsValidator.Open(tls);
                kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate);
            }

            kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Protocols = HttpProtocols.Http1AndHttp2);
        });
    }
}
