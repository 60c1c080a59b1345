using Bulwark.Configuration;

namespace Bulwark.Tests.Configuration;

/// <summary>
/// Configuration files for tests, written to a directory of their own that is deleted on dispose. <see cref="Valid"/> is a
/// baseline with zero errors; a rule test changes exactly one thing in it, so the error it expects is the only one.
/// </summary>
internal sealed class ConfigurationFiles : IDisposable
{
    public const string Valid = SampleConfigurations.Valid;

    private static readonly KeyValuePair<string, string?>[] NoEnvironment = [];

    public ConfigurationFiles()
    {
        Directory = Path.Combine(Path.GetTempPath(), "bulwark-config-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    /// <summary><paramref name="yaml"/> with <paramref name="find"/>, which must occur exactly once, replaced.</summary>
    public static string Change(string yaml, string find, string replacement)
    {
        var first = yaml.IndexOf(find, StringComparison.Ordinal);
        Assert.True(first >= 0, $"'{find}' is not in the sample");
        Assert.True(yaml.IndexOf(find, first + 1, StringComparison.Ordinal) < 0, $"'{find}' occurs more than once in the sample");
        return string.Concat(yaml.AsSpan(0, first), replacement, yaml.AsSpan(first + find.Length));
    }

    /// <summary>The baseline with one change.</summary>
    public static string ValidWith(string find, string replacement) => Change(Valid, find, replacement);

    public string Write(string yaml, string name = "bulwark.yaml")
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>Writes and loads <paramref name="yaml"/>, with no environment overrides unless given.</summary>
    public ConfigurationLoadResult Load(string yaml, params (string Name, string Value)[] environment) =>
        BulwarkConfiguration.Load(
            Write(yaml),
            environment.Length == 0 ? NoEnvironment : environment.Select(e => new KeyValuePair<string, string?>(e.Name, e.Value)));

    /// <summary>Asserts that loading <paramref name="yaml"/> gives exactly one error, at <paramref name="path"/>.</summary>
    public OptionsError LoadSingleError(string yaml, string path, string messagePart)
    {
        var result = Load(yaml);
        var error = Assert.Single(result.Errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(messagePart, error.Message, StringComparison.Ordinal);
        Assert.Null(result.Options);
        return error;
    }

    public BulwarkOptions LoadValid(string yaml)
    {
        var result = Load(yaml);
        Assert.Empty(result.Errors);
        Assert.True(result.IsValid);
        return result.Options;
    }

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
