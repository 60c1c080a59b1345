// A small thing for the quickstart to watch: an HTTP health endpoint, a TCP port and a pid file.
// Stop it and the quickstart's component goes to Failed; start it again and it heals.
//
//   dotnet QuickstartTarget.dll [--http-port 8787] [--tcp-port 8788] [--pid-file .bulwark/quickstart-target.pid]
using System.Globalization;
using System.Net;
using System.Net.Sockets;

var httpPort = IntArg(args, "--http-port", 8787);
var tcpPort = IntArg(args, "--tcp-port", 8788);
var pidFile = Arg(args, "--pid-file") ?? Path.Combine(".bulwark", "quickstart-target.pid");

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, httpPort));
var app = builder.Build();
app.MapGet("/health", () => Results.Text("ok"));

using var tcp = new TcpListener(IPAddress.Loopback, tcpPort);
tcp.Start();
_ = AcceptLoopAsync(tcp, app.Lifetime.ApplicationStopping);

Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(pidFile))!);
await File.WriteAllTextAsync(pidFile, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
app.Lifetime.ApplicationStopped.Register(() => File.Delete(pidFile));

Console.WriteLine($"quickstart target: http://127.0.0.1:{httpPort}/health, tcp 127.0.0.1:{tcpPort}, pid {Environment.ProcessId} in {pidFile}");
await app.RunAsync();

static async Task AcceptLoopAsync(TcpListener listener, CancellationToken stopping)
{
    try
    {
        while (!stopping.IsCancellationRequested)
        {
            using var client = await listener.AcceptTcpClientAsync(stopping);
        }
    }
    catch (OperationCanceledException)
    {
    }
}

static string? Arg(string[] args, string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static int IntArg(string[] args, string name, int fallback) =>
    Arg(args, name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
