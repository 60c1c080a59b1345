namespace Bulwark.Health;

/// <summary>
/// One runnable check. The scheduler owns timing: it calls <see cref="ProbeAsync"/> on the check's
/// interval with a token that is cancelled at the check's timeout, measures the duration, and turns
/// an exception or a timeout into an unhealthy result. A probe honours the token and reports what it saw.
/// </summary>
internal interface IHealthProbe
{
    ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken);
}

/// <summary>What a probe saw: the status, a short description a person can read, and the exception if one was thrown.</summary>
internal readonly record struct ProbeResult(CheckStatus Status, string Description, Exception? Exception = null)
{
    public static ProbeResult Healthy(string description) => new(CheckStatus.Healthy, description);

    public static ProbeResult Degraded(string description) => new(CheckStatus.Degraded, description);

    public static ProbeResult Unhealthy(string description, Exception? exception = null) =>
        new(CheckStatus.Unhealthy, description, exception);
}
