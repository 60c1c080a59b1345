namespace Bulwark.Health.Checks;

// Placeholder until the probes branch lands; replaced at merge.
internal static class HttpProbeClient
{
    public static HttpClient Create() => new();
}
