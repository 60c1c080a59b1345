namespace Bulwark.Health.Checks;

// Placeholder until the probes branch lands; replaced by the real factory at merge.
internal static class ProbeFactory
{
    public static IHealthProbe Create(ComponentOptions component, CheckOptions check, ProbeContext context, TimeSpan interval) =>
        throw new NotSupportedException($"{check.Type} checks are not available in this build");
}
