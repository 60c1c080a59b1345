using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Bulwark.Cli.Tests.Commands;

/// <summary>
/// <c>bulwark incidents ack|resolve</c> write to the store of a running safety system; the running system reads
/// new events on its availability refresh (every 5 s), so its own incidents show who acknowledged and resolved.
/// </summary>
public sealed class IncidentActionsReachTheRunningSystemTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task AckAndResolveFromTheCli_AreSeenByTheRunningSystem()
    {
        var options = new BulwarkOptions { DataDirectory = _dir.Path, CheckIntervalSeconds = 0.2 };
        var component = new ComponentOptions { Name = "gateway", Criticality = Criticality.Critical, FailureThreshold = 1, SuccessThreshold = 1 };
        component.Checks.Add(new CheckOptions { Type = CheckType.Tcp, Host = "127.0.0.1", Port = ClosedPort(), TimeoutSeconds = 1 });
        options.Components.Add(component);
        await using var system = SafetySystem.Create(options);
        await system.StartAsync();

        // The running system opens the incident itself once it has read the failure.
        var incident = await WaitForAsync(() => system.Availability.GetIncidents(openOnly: true).FirstOrDefault(i => i.Subject == "gateway"), "an open incident");
        Assert.Null(incident.AcknowledgedBy);

        var ack = await CliRunner.RunAsync("incidents", "ack", incident.Id, "--by", "alice", "--note", "on it", "--data-dir", _dir.Path);
        Assert.True(ack.ExitCode == 0, ack.Stderr);
        await WaitForAsync(() => Find(system, incident.Id) is { AcknowledgedBy: "alice" } i ? i : null, "the acknowledgement in the running system");

        var resolve = await CliRunner.RunAsync("incidents", "resolve", incident.Id, "--by", "bob", "--note", "port reopened", "--data-dir", _dir.Path);
        Assert.True(resolve.ExitCode == 0, resolve.Stderr);
        var resolved = await WaitForAsync(() => Find(system, incident.Id) is { IsOpen: false } i ? i : null, "the resolution in the running system");
        Assert.Equal("bob", resolved.ResolvedBy);
        Assert.Contains(resolved.Timeline, e => e.Who == "bob" && e.What.Contains("port reopened", StringComparison.Ordinal));

        // And the CLI, reading the same store, agrees.
        var (exit, json, stderr) = await CliRunner.RunAsync("incidents", "--data-dir", _dir.Path, "--json");
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(json);
        var listed = doc.RootElement.GetProperty("incidents").EnumerateArray().Single(i => i.GetProperty("id").GetString() == incident.Id);
        Assert.Equal("alice", listed.GetProperty("acknowledgedBy").GetString());
        Assert.Equal("bob", listed.GetProperty("resolvedBy").GetString());
    }

    private static Bulwark.Availability.Incident? Find(SafetySystem system, string id) =>
        system.Availability.GetIncidents().FirstOrDefault(i => i.Id == id);

    /// <summary>Polls until the value is there, within <see cref="Deadline"/>; bounded in time and in count.</summary>
    private static async Task<T> WaitForAsync<T>(Func<T?> read, string what)
        where T : class
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(Deadline.TotalSeconds * TimeProvider.System.TimestampFrequency);
        for (var attempt = 0; attempt < 1_000 && TimeProvider.System.GetTimestamp() < deadline; attempt++)
        {
            if (read() is { } value)
            {
                return value;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }

        throw new TimeoutException($"not seen within {Deadline.TotalSeconds} s: {what}");
    }

    /// <summary>A port nothing listens on: bound, then released.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose() => _dir.Dispose();
}
