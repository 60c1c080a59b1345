namespace Bulwark;

// Placeholder until the configuration branch lands; replaced at merge.
internal static class BulwarkOptionsValidator
{
    public static IReadOnlyList<OptionsError> Validate(BulwarkOptions options, IReadOnlyCollection<string>? healthCheckRegistrations = null) => [];
}
