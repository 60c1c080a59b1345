using Microsoft.Extensions.Configuration;

namespace Bulwark;

// Placeholder until the configuration branch lands; replaced at merge.
internal static class BulwarkConfiguration
{
    public static (BulwarkOptions? Options, IReadOnlyList<OptionsError> Errors) Bind(IConfiguration configuration) =>
        throw new NotSupportedException();

    public static ConfigurationLoadResult Load(string yamlPath, IEnumerable<KeyValuePair<string, string?>>? environment = null) =>
        throw new NotSupportedException();
}

internal sealed class ConfigurationLoadResult(BulwarkOptions? options, IReadOnlyList<OptionsError> errors, IConfiguration? configuration)
{
    public BulwarkOptions? Options { get; } = errors.Count == 0 ? options : null;

    public IReadOnlyList<OptionsError> Errors { get; } = errors;

    public IConfiguration? Configuration { get; } = configuration;
}
