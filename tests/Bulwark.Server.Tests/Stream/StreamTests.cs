using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Bulwark.Server.Auth;

namespace Bulwark.Server.Tests.Stream;

/// <summary>GET /api/v1/stream on the real host: live events with their sequence as id, Last-Event-ID resume, heartbeats, auth.</summary>
public sealed class StreamTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task NewEvents_ArriveAsTheyAreRecorded_WithTheirSequenceAsId()
    {
        await using var harness = await ServerHarness.StartAsync();
        await using var stream = await SseReader.OpenAsync(harness, "/api/v1/stream?kind=test.");

        var sequence = await AppendAsync(harness, "live one");

        var received = await stream.NextEventAsync(Deadline);
        Assert.Equal(sequence, received.Id);
        Assert.Equal("live one", received.Data.GetProperty("cause").GetString());
        Assert.Equal("test.stream", received.Data.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task LastEventId_ResumesAfterIt_MissingNothing_AndRepeatingNothing()
    {
        await using var harness = await ServerHarness.StartAsync();
        var first = await AppendAsync(harness, "a");
        await AppendAsync(harness, "b");
        await AppendAsync(harness, "c");

        // A client that saw "a" reconnects: it gets b and c from the log, then live ones, each once, in order.
        await using var stream = await SseReader.OpenAsync(harness, "/api/v1/stream?kind=test.", lastEventId: first);
        var d = await AppendAsync(harness, "d");
        var causes = new List<string?>();
        var ids = new List<long>();
        while (causes.Count < 3)
        {
            var e = await stream.NextEventAsync(Deadline);
            causes.Add(e.Data.GetProperty("cause").GetString());
            ids.Add(e.Id);
        }

        Assert.Equal(["b", "c", "d"], causes);
        Assert.Equal(d, ids[^1]);
        Assert.Equal(ids.Order(), ids);
    }

    [Fact]
    public async Task AQuietStream_SendsHeartbeats()
    {
        await using var harness = await ServerHarness.StartAsync();
        await using var stream = await SseReader.OpenAsync(harness, "/api/v1/stream?kind=nothing.&heartbeat=1");

        Assert.Equal(": heartbeat", await stream.NextCommentAsync(": heartbeat", Deadline));
    }

    [Fact]
    public async Task TheStream_NeedsAKey_AndABadLastEventIdIs400()
    {
        await using var harness = await ServerHarness.StartAsync();

        await Problem.ReadAsync(await harness.GetAsync("/api/v1/stream"), HttpStatusCode.Unauthorized);
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/stream");
        request.Headers.Add("Last-Event-ID", "yesterday");
        var problem = await Problem.ReadAsync(await harness.SendAsync(request, harness.Secrets[ApiRole.Viewer]), HttpStatusCode.BadRequest);
        Assert.Equal("Last-Event-ID", problem.GetProperty("field").GetString());
    }

    private static async Task<long> AppendAsync(ServerHarness harness, string cause) =>
        await harness.System.Events.AppendAsync(new SafetyEvent { Time = TimeProvider.System.GetUtcNow(), Kind = "test.stream", Subject = "s", Cause = cause });

    /// <summary>Reads a text/event-stream response line by line.</summary>
    private sealed class SseReader : IAsyncDisposable
    {
        private readonly HttpResponseMessage _response;
        private readonly StreamReader _reader;

        private SseReader(HttpResponseMessage response, StreamReader reader)
        {
            _response = response;
            _reader = reader;
        }

        public static async Task<SseReader> OpenAsync(ServerHarness harness, string path, long? lastEventId = null)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", harness.Secrets[ApiRole.Viewer]);
            if (lastEventId is { } id)
            {
                request.Headers.Add("Last-Event-ID", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            var response = await harness.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            return new SseReader(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
        }

        public async Task<(long Id, JsonElement Data)> NextEventAsync(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            long? id = null;
            while (true)
            {
                var line = await _reader.ReadLineAsync(cts.Token) ?? throw new Xunit.Sdk.XunitException("the stream ended");
                if (line.StartsWith("id: ", StringComparison.Ordinal))
                {
                    id = long.Parse(line[4..], System.Globalization.CultureInfo.InvariantCulture);
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    Assert.NotNull(id);
                    using var document = JsonDocument.Parse(line[6..]);
                    return (id.Value, document.RootElement.Clone());
                }
            }
        }

        public async Task<string> NextCommentAsync(string prefix, TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            while (true)
            {
                var line = await _reader.ReadLineAsync(cts.Token) ?? throw new Xunit.Sdk.XunitException("the stream ended");
                if (line.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return line;
                }
            }
        }

        public ValueTask DisposeAsync()
        {
            _reader.Dispose();
            _response.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
