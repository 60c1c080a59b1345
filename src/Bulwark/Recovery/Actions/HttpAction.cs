using System.Globalization;
using System.Text;
using Bulwark.Configuration;

namespace Bulwark.Recovery.Actions;

/// <summary>An HTTP request that must answer a status in the expected range; the start of the answer's body is kept.</summary>
internal sealed class HttpAction(HttpClient http, string method, Uri url, string? body, string expectedStatus) : IRecoveryAction
{
    public string Describe() => $"{method} {url}" + (body is null ? "" : $" body {Shorten(body)}") + $" (expect {expectedStatus})";

    public async Task<string> RunAsync(ActionContext context, CancellationToken cancellationToken)
    {
        BulwarkOptionsValidator.TryParseStatusRange(expectedStatus, out var low, out var high);
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (body is not null)
        {
            var json = body.TrimStart() is ['{' or '[', ..];
            request.Content = new StringContent(body, Encoding.UTF8, json ? "application/json" : "text/plain");
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new RecoveryActionException($"{method} {url}: {ex.Message}");
        }

        using (response)
        {
            var text = await ReadStartAsync(response, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            var summary = string.Create(CultureInfo.InvariantCulture, $"{method} {url}: {status} {response.ReasonPhrase}");
            if (status < low || status > high)
            {
                throw new RecoveryActionException($"{summary}, expected {expectedStatus}", text);
            }

            return text.Length == 0 ? summary : summary + ": " + text;
        }
    }

    private static async Task<string> ReadStartAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var buffer = new char[RecoveryLimits.OutputTail];
            var read = await reader.ReadBlockAsync(buffer, cancellationToken).ConfigureAwait(false);
            return new string(buffer, 0, read).Trim();
        }
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";
}
