using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using YamlDotNet.Core;

namespace Bulwark.Configuration;

/// <summary>
/// Loads <c>bulwark.yaml</c>: the file through the YAML provider, then <c>BULWARK__</c> environment variables on top,
/// then strict binding and validation. A bad file yields every error at once; nothing starts half-configured.
/// </summary>
internal static class BulwarkConfiguration
{
    /// <summary>Environment variables with this prefix override the file: <c>BULWARK__COMPONENTS__0__NAME</c> is <c>components:0:name</c>.</summary>
    public const string EnvironmentPrefix = "BULWARK__";

    /// <summary>
    /// Top-level sections read by other binders. The strict binder neither binds them nor reports their keys as unknown.
    /// </summary>
    internal static readonly string[] DelegatedSections = ["trading", "recovery", "redundancy", "server"];

    /// <summary>
    /// Top-level keys that nothing reads yet. Accepting them would promise what no code does, so each is refused with
    /// what is missing; when a key is built, its entry goes and its binder reads it.
    /// </summary>
    internal static readonly (string Key, string Message)[] NotBuiltYet = [];

    /// <summary>The refusal of a top-level key that is not built yet, or null.</summary>
    internal static string? NotBuilt(string key) =>
        Array.Find(NotBuiltYet, k => string.Equals(k.Key, key, StringComparison.OrdinalIgnoreCase)).Message;

    /// <summary>
    /// Builds the configuration: the YAML file, then environment variables prefixed <c>BULWARK__</c> (<c>__</c> separates
    /// levels). <paramref name="environment"/> replaces the process environment (for tests); null reads the real one.
    /// Throws what the providers throw: <see cref="FileNotFoundException"/>, or <see cref="InvalidDataException"/> when
    /// the file is not valid YAML. <see cref="Load"/> turns those into errors.
    /// </summary>
    public static IConfigurationRoot BuildConfiguration(string yamlPath, IEnumerable<KeyValuePair<string, string?>>? environment = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(yamlPath);

        // A relative path would otherwise resolve against the application's directory, not the working directory.
        var builder = new ConfigurationBuilder().AddYamlFile(Path.GetFullPath(yamlPath), optional: false, reloadOnChange: false);
        if (environment is null)
        {
            builder.AddEnvironmentVariables(EnvironmentPrefix);
        }
        else
        {
            builder.AddInMemoryCollection(MapEnvironment(environment));
        }

        return builder.Build();
    }

    /// <summary>
    /// Loads, binds and validates <paramref name="yamlPath"/>. Never throws for a bad file: every problem is an
    /// <see cref="OptionsError"/> in the result, binding and semantic errors together, ordered by field path.
    /// </summary>
    public static ConfigurationLoadResult Load(string yamlPath, IEnumerable<KeyValuePair<string, string?>>? environment = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(yamlPath);
        if (!File.Exists(yamlPath))
        {
            return ConfigurationLoadResult.Failed(new OptionsError(yamlPath, "file not found"));
        }

        IConfigurationRoot root;
        try
        {
            root = BuildConfiguration(yamlPath, environment);
        }
        catch (FileNotFoundException)
        {
            return ConfigurationLoadResult.Failed(new OptionsError(yamlPath, "file not found"));
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return ConfigurationLoadResult.Failed(new OptionsError(yamlPath, DescribeReadFailure(e)));
        }

        var (options, errors) = Bind(root, root.Providers.FirstOrDefault(p => p is FileConfigurationProvider));
        return new ConfigurationLoadResult(errors.Count == 0 ? options : null, errors, root);
    }

    /// <summary>
    /// Binds and validates configuration of the <c>bulwark.yaml</c> shape, from a file or any other source
    /// (<c>AddBulwark</c>): every error, binding and semantic, ordered by field path. The <c>trading:</c>
    /// section is bound and validated by the trading binder.
    /// </summary>
    public static (BulwarkOptions Options, IReadOnlyList<OptionsError> Errors) Bind(IConfiguration configuration, IConfigurationProvider? file = null)
    {
        var binder = BulwarkOptionsBinder.Bind(configuration, file);
        var bindingErrors = binder.Errors.Concat(BindRecovery(configuration, binder.Options)).Concat(BindRedundancy(configuration, binder.Options))
            .Concat(BindServer(configuration, binder.Options)).ToList();

        // Before the rules that read it (a failover group with trading: true needs the gate). An empty or scalar trading
        // section is refused by the strict binder; only a section of keys is bound here.
        var trading = configuration.GetSection("trading");
        if (trading.GetChildren().Any())
        {
            var bound = Bulwark.Trading.TradingConfigurationBinder.Bind(trading);
            bindingErrors.AddRange(bound.Errors);
            binder.Options.Trading = bound.Gate;
            binder.Options.TradingPolicy = bound.Bridge ?? binder.Options.TradingPolicy;
            binder.Options.TradingJournal = bound.Journal ?? binder.Options.TradingJournal;
        }

        // A value that failed to bind also breaks the rules that depend on it (a bad 'type' leaves no type): report it once.
        var semanticErrors = BulwarkOptionsValidator.Validate(binder.Options)
            .Select(e => e with { Path = binder.DisplayPath(e.Path) })
            .Where(e => !bindingErrors.Any(b => OptionsPath.IsWithin(e.Path, b.Path)));

        // The gate's own rules run in both: each error once.
        var errors = bindingErrors.Concat(semanticErrors).Distinct().ToList();

        return (binder.Options, errors.OrderBy(e => e.Path, OptionsPath.Comparer).ToList());
    }

    /// <summary>The <c>recovery:</c> section, by its own binder; its processes become components before validation.</summary>
    private static IReadOnlyList<OptionsError> BindRecovery(IConfiguration configuration, BulwarkOptions options)
    {
        var section = configuration.GetSection("recovery");
        if (!section.GetChildren().Any())
        {
            return [];
        }

        var (recovery, errors) = Bulwark.Recovery.RecoveryConfigurationBinder.Bind(section);
        options.Recovery = recovery;
        Bulwark.Recovery.SupervisedComponents.AddTo(options);
        return errors;
    }

    /// <summary>The <c>redundancy:</c> section, by its own binder.</summary>
    private static IReadOnlyList<OptionsError> BindRedundancy(IConfiguration configuration, BulwarkOptions options)
    {
        var section = configuration.GetSection("redundancy");
        if (!section.GetChildren().Any())
        {
            // Left out, or empty or a scalar: the main binder refuses the latter two, once.
            return [];
        }

        var (redundancy, errors) = Bulwark.Redundancy.RedundancyConfigurationBinder.Bind(section);
        options.Redundancy = redundancy;
        return errors;
    }

    /// <summary>The <c>server:</c> section, by its own binder.</summary>
    private static IReadOnlyList<OptionsError> BindServer(IConfiguration configuration, BulwarkOptions options)
    {
        var section = configuration.GetSection("server");
        if (!section.GetChildren().Any())
        {
            return [];
        }

        var (server, errors) = ServerConfigurationBinder.Bind(section);
        options.Server = server;
        return errors;
    }

    private static Dictionary<string, string?> MapEnvironment(IEnumerable<KeyValuePair<string, string?>> environment)
    {
        // The same mapping as the environment variables provider: prefix matched case-insensitively and removed, '__' is ':'.
        var mapped = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in environment)
        {
            if (name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase) && name.Length > EnvironmentPrefix.Length)
            {
                mapped[name[EnvironmentPrefix.Length..].Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal)] = value;
            }
        }

        return mapped;
    }

    private static string DescribeReadFailure(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case YamlException yaml:
                    return $"YAML syntax error at line {yaml.Start.Line}, column {yaml.Start.Column}: {yaml.Message}";
                case InvalidCastException:
                    // The provider expects a mapping at the top; a list or a bare value fails its cast.
                    return "the top level must be a YAML mapping of keys (availabilityTarget, components, ...)";
                case FormatException format when format.Message.StartsWith("A duplicate key '", StringComparison.Ordinal):
                    var key = format.Message[(format.Message.IndexOf('\'', StringComparison.Ordinal) + 1)..format.Message.LastIndexOf('\'')];
                    return $"duplicate key {OptionsPath.FromConfigurationKey(key)} (keys are case-insensitive)";
            }
        }

        return $"cannot be read: {(exception.InnerException ?? exception).Message}";
    }
}

/// <summary>The outcome of <see cref="BulwarkConfiguration.Load"/>.</summary>
internal sealed class ConfigurationLoadResult(BulwarkOptions? options, IReadOnlyList<OptionsError> errors, IConfiguration? configuration)
{
    /// <summary>The bound, validated options; null whenever there is an error.</summary>
    public BulwarkOptions? Options { get; } = errors.Count == 0 ? options : null;

    /// <summary>Every error found (binding and validation together), ordered by field path; empty when valid.</summary>
    public IReadOnlyList<OptionsError> Errors { get; } = errors;

    /// <summary>
    /// The configuration as read (file plus environment), so other binders can read their sections;
    /// null when the file could not be read at all.
    /// </summary>
    public IConfiguration? Configuration { get; } = configuration;

    /// <summary>True when there are no errors, and therefore <see cref="Options"/> is set.</summary>
    [MemberNotNullWhen(true, nameof(Options))]
    public bool IsValid => Options is not null;

    internal static ConfigurationLoadResult Failed(OptionsError error) => new(null, [error], null);
}
