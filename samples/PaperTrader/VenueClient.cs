using System.Net;
using System.Net.Http.Json;

namespace PaperTrader;

/// <summary>The venue's answer to an order, or its drop copy of one (<see cref="State"/>: unknown, refused, working, filled or cancelled).</summary>
internal sealed record VenueAnswer(string State, long Filled, double FillPrice, long ExecutionId);

/// <summary>The venue simulator's HTTP API: send an order (the answer carries its fill), ask for an order's state.</summary>
internal sealed class VenueClient(Uri venue) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = venue, Timeout = TimeSpan.FromSeconds(2) };

    public async Task<VenueAnswer> SendAsync(string account, string replica, long token, long orderId, bool buy, long quantity, double price, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync(
            "/orders", new { account, replica, token, orderId, side = buy ? "buy" : "sell", quantity, price }, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return new VenueAnswer("refused", 0, 0, 0);
        }

        response.EnsureSuccessStatusCode();
        var line = await response.Content.ReadFromJsonAsync<SentLine>(cancellationToken) ?? throw new HttpRequestException("empty answer");
        return new VenueAnswer(line.Filled > 0 ? "filled" : "working", line.Filled, line.FillPrice, line.ExecutionId);
    }

    public async Task<VenueAnswer> StatusAsync(string account, long orderId, CancellationToken cancellationToken) =>
        await _http.GetFromJsonAsync<VenueAnswer>($"/orders/{Uri.EscapeDataString(account)}/{orderId}", cancellationToken)
        ?? throw new HttpRequestException("empty answer");

    /// <summary>Cancels a working order; the answer is its state after (cancelled, or filled when the cancel came too late).</summary>
    public async Task<VenueAnswer> CancelAsync(string account, long orderId, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsync($"/orders/{Uri.EscapeDataString(account)}/{orderId}/cancel", content: null, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<VenueAnswer>(cancellationToken) ?? throw new HttpRequestException("empty answer");
    }

    public void Dispose() => _http.Dispose();

    private sealed record SentLine(long Filled, double FillPrice, long ExecutionId);
}
