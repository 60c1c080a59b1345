using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Bulwark.Tests.TestSupport;

/// <summary>A real Prometheus (Debian package prometheus) on 127.0.0.1, scraping one target every second.</summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    public const string Binary = "/usr/bin/prometheus";
    public static readonly TimeSpan ScrapeInterval = TimeSpan.FromSeconds(1);

    private readonly Process _process;
    private readonly TempDirectory _dir;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private PrometheusServer(Process process, TempDirectory dir, Uri url)
    {
        _process = process;
        _dir = dir;
        Url = url;
    }

    public Uri Url { get; }

    public static async Task<PrometheusServer> StartAsync(string target)
    {
        Assert.True(File.Exists(Binary), $"{Binary} is missing: install the Debian package 'prometheus' (scripts/test.sh does)");
        var dir = new TempDirectory();
        await File.WriteAllTextAsync(dir.File("prometheus.yml"), $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: target
                static_configs:
                  - targets: ['{target}']
            """);
        var port = FreePort();
        var info = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir.Path };
        foreach (var arg in new[]
                 {
                     $"--config.file={dir.File("prometheus.yml")}", $"--storage.tsdb.path={dir.File("data")}",
                     $"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=1h",
                 })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new PrometheusServer(process, dir, new Uri($"http://127.0.0.1:{port}/"));
        await Eventually.WaitUntilAsync(server.IsReadyAsync, TimeSpan.FromSeconds(30), "prometheus ready");
        return server;
    }

    /// <summary>Evaluates an instant query at a time; null when the result is empty.</summary>
    public async Task<double?> QueryAsync(string query, DateTimeOffset at)
    {
        var time = (at.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);
        var json = await _http.GetStringAsync(new Uri(Url, $"api/v1/query?query={Uri.EscapeDataString(query)}&time={time}"));
        using var doc = JsonDocument.Parse(json);
        var result = doc.RootElement.GetProperty("data").GetProperty("result");
        return result.GetArrayLength() == 0
            ? null
            : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The raw samples of one series (a range selector evaluated at <paramref name="at"/>), oldest first, as
    /// Prometheus stored them: a scrape that failed or came late shows as a gap, not as a sample.
    /// </summary>
    public async Task<IReadOnlyList<(DateTimeOffset At, double Value)>> SamplesAsync(string selector, TimeSpan range, DateTimeOffset at)
    {
        var seconds = (int)Math.Ceiling(range.TotalSeconds);
        var time = (at.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);
        var json = await _http.GetStringAsync(new Uri(Url, $"api/v1/query?query={Uri.EscapeDataString($"{selector}[{seconds}s]")}&time={time}"));
        using var doc = JsonDocument.Parse(json);
        var result = doc.RootElement.GetProperty("data").GetProperty("result");
        var samples = new List<(DateTimeOffset, double)>();
        if (result.GetArrayLength() == 0)
        {
            return samples;
        }

        foreach (var pair in result[0].GetProperty("values").EnumerateArray())
        {
            var stamp = DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(pair[0].GetDouble() * 1000));
            samples.Add((stamp, double.Parse(pair[1].GetString()!, CultureInfo.InvariantCulture)));
        }

        return samples;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(cts.Token);
        }

        _process.Dispose();
        _http.Dispose();
        _dir.Dispose();
    }

    private async Task<bool> IsReadyAsync()
    {
        try
        {
            using var response = await _http.GetAsync(new Uri(Url, "-/ready"));
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            Assert.False(_process.HasExited, "prometheus exited at start");
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
