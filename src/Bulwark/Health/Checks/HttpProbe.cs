using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Bulwark.Configuration;

namespace Bulwark.Health.Checks;

/// <summary>HTTP(S) GET: healthy when the status is in the expected range and, if asked, the body holds a text.</summary>
internal sealed class HttpProbe : IHealthProbe
{
    /// <summary>At most this much of the body is read to look for the expected text.</summary>
    internal const int MaxBodyBytes = 64 * 1024;

    private readonly HttpClient _http;
    private readonly Uri _url;
    private readonly int _low;
    private readonly int _high;
    private readonly string _expected;
    private readonly string? _bodyContains;

    public HttpProbe(HttpClient http, CheckOptions check)
    {
        _http = http;
        _url = new Uri(check.Url!, UriKind.Absolute);
        _expected = check.ExpectedStatus ?? BulwarkDefaults.ExpectedStatus;
        if (!BulwarkOptionsValidator.TryParseStatusRange(_expected, out _low, out _high))
        {
            throw new ArgumentException($"expectedStatus '{_expected}' is not a status code or range", nameof(check));
        }

        _bodyContains = string.IsNullOrEmpty(check.BodyContains) ? null : check.BodyContains;
    }

    public async ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, _url);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status < _low || status > _high)
            {
                return ProbeResult.Unhealthy(string.Create(CultureInfo.InvariantCulture, $"HTTP {status} (expected {_expected})"));
            }

            if (_bodyContains is not null)
            {
                var body = await ReadPrefixAsync(response.Content, cancellationToken).ConfigureAwait(false);
                if (!body.Contains(_bodyContains, StringComparison.Ordinal))
                {
                    return ProbeResult.Unhealthy($"HTTP {status} but the body does not contain \"{_bodyContains}\"");
                }
            }

            return ProbeResult.Healthy(string.Create(CultureInfo.InvariantCulture, $"HTTP {status}"));
        }
        catch (HttpRequestException ex)
        {
            return ProbeResult.Unhealthy(Describe(ex), ex);
        }
    }

    private static async Task<string> ReadPrefixAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[MaxBodyBytes];
            var filled = 0;
            int read;
            while (filled < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false)) > 0)
            {
                filled += read;
            }

            return Encoding.UTF8.GetString(buffer, 0, filled);
        }
    }

    private static string Describe(HttpRequestException ex) => ex.InnerException switch
    {
        SocketException socket => socket.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "connection refused",
            SocketError.HostNotFound or SocketError.NoData => "host not found",
            SocketError.TimedOut => "connect timed out",
            _ => $"socket error {socket.SocketErrorCode}: {socket.Message}",
        },
        _ => ex.HttpRequestError == HttpRequestError.Unknown ? ex.Message : $"{ex.HttpRequestError}: {ex.Message}",
    };
}

/// <summary>The one HTTP client all HTTP checks share.</summary>
internal static class HttpProbeClient
{
    /// <summary>
    /// No proxy (health endpoints are internal), no redirects (a redirect is a status to judge, not to
    /// follow), no cookies, and connections recycled every minute so DNS changes are seen. No client
    /// timeout: the scheduler's token is the check's timeout.
    /// </summary>
    public static HttpClient Create() => new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };
}
