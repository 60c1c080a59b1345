using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Bulwark;

/// <summary>The kinds of check a component can have.</summary>
public enum CheckType
{
    /// <summary>HTTP(S) GET: status in the expected range, optionally a text in the body.</summary>
    Http,

    /// <summary>A TCP connection can be opened.</summary>
    Tcp,

    /// <summary>A process is alive, found by pid file and/or process name.</summary>
    Process,

    /// <summary>The component reported a heartbeat through the library recently enough.</summary>
    Heartbeat,

    /// <summary>A command exits with code 0 within its timeout.</summary>
    Command,

    /// <summary>Any <see cref="IHealthCheck"/>: an instance, or a registration of the host's health checks.</summary>
    HealthCheck,
}

/// <summary>
/// One check of a component. The fields that apply depend on <see cref="Type"/>; validation rejects
/// fields that do not belong to the type, so a typo cannot silently weaken a check.
/// </summary>
public sealed class CheckOptions
{
    /// <summary>The kind of check. Required.</summary>
    public CheckType? Type { get; set; }

    /// <summary>Name, unique within the component. Defaults to the type's name (<c>http</c>, <c>tcp</c>, ...).</summary>
    public string? Name { get; set; }

    /// <summary>Seconds between runs. Defaults to <see cref="BulwarkOptions.CheckIntervalSeconds"/>.</summary>
    public double? IntervalSeconds { get; set; }

    /// <summary>Seconds a run may take before it counts as failed. Default 2.</summary>
    public double? TimeoutSeconds { get; set; }

    /// <summary>http: absolute http or https URL.</summary>
    public string? Url { get; set; }

    /// <summary>http: healthy status code or range, for example <c>200</c> or <c>200-299</c> (the default).</summary>
    public string? ExpectedStatus { get; set; }

    /// <summary>http: text the body must contain (ordinal comparison).</summary>
    public string? BodyContains { get; set; }

    /// <summary>tcp: host name or address.</summary>
    public string? Host { get; set; }

    /// <summary>tcp: port, 1 to 65535.</summary>
    public int? Port { get; set; }

    /// <summary>process: file holding the process id.</summary>
    public string? PidFile { get; set; }

    /// <summary>process: process name; with a pid file, the process must also have this name.</summary>
    public string? ProcessName { get; set; }

    /// <summary>heartbeat: seconds after the last heartbeat before it is stale. Default three intervals.</summary>
    public double? StaleAfterSeconds { get; set; }

    /// <summary>command: the executable to run (looked up on PATH).</summary>
    public string? Command { get; set; }

    /// <summary>command: its arguments, passed as they are (no shell).</summary>
    public IList<string> Args { get; } = new List<string>();

    /// <summary>healthCheck: name of a registration in the host's health checks (<c>AddHealthChecks()</c>).</summary>
    public string? Registration { get; set; }

    /// <summary>healthCheck: an instance to run, for code-built options.</summary>
    public IHealthCheck? Instance { get; set; }

    /// <summary>The check's name as used in states, events and metrics.</summary>
    public string EffectiveName => string.IsNullOrWhiteSpace(Name) ? TypeName(Type) : Name;

    internal static string TypeName(CheckType? type) => type switch
    {
        CheckType.Http => "http",
        CheckType.Tcp => "tcp",
        CheckType.Process => "process",
        CheckType.Heartbeat => "heartbeat",
        CheckType.Command => "command",
        CheckType.HealthCheck => "healthCheck",
        _ => "check",
    };
}
