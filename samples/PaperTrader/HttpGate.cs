using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace PaperTrader;

/// <summary>
/// Bulwark's risk gate over HTTP (<c>--gate URL</c>, the engine key in <c>BULWARK_GATE_KEY</c>, never on the command
/// line): every order this engine's own gate accepted is checked again by the server's gate (<c>POST
/// /api/v1/orders/check</c>) before it goes to the venue, and the venue's answer goes back as an execution (<c>POST
/// /api/v1/executions</c>), so the server's positions, limits and kill switch are the ones trading obeys. Fail closed: a
/// server that does not answer, or answers anything but an accepted decision, means the order is not sent. The price
/// feed goes to the server too (<c>POST /api/v1/marks</c>), for its collars.
/// </summary>
internal sealed class HttpGate : IDisposable
{
    public const string KeyVariable = "BULWARK_GATE_KEY";

    private readonly HttpClient _http;

    public HttpGate(Uri server, string key)
    {
        _http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(2) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
    }

    /// <summary>Null when the server's gate accepted the order, else why it is not to be sent.</summary>
    public async Task<string?> CheckAsync(string account, string strategy, string symbol, bool buy, long quantity, double price, long clientOrderId, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.PostAsJsonAsync("/api/v1/orders/check",
                new { account, strategy, symbol, side = buy ? "buy" : "sell", quantity, price, type = "limit", clientOrderId }, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return string.Create(CultureInfo.InvariantCulture, $"server gate answered {(int)response.StatusCode}");
            }

            var decision = await response.Content.ReadFromJsonAsync<Decision>(cancellationToken);
            return decision is { Accepted: true } ? null : "server gate: " + (decision?.Reason ?? "no decision");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            return "server gate unreachable: " + ex.GetType().Name;
        }
    }

    /// <summary>An ack, fill or reject for the server's gate; a report that does not arrive is retried by nothing (paper).</summary>
    public async Task ReportAsync(string type, long clientOrderId, long executionId = 0, long quantity = 0, double price = 0)
    {
        object body = type == "fill"
            ? new { type, clientOrderId, executionId, quantity, price }
            : new { type, clientOrderId };
        try
        {
            using var response = await _http.PostAsJsonAsync("/api/v1/executions", body, CancellationToken.None);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            // The server's gate keeps the order working; its limits count it until a report arrives.
        }
    }

    public async Task MarkAsync(string symbol, double price, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.PostAsJsonAsync("/api/v1/marks", new { symbol, price }, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            // The next feed round sends it again.
        }
    }

    public void Dispose() => _http.Dispose();

    private sealed record Decision(bool Accepted, string? Reason);
}
