using Bulwark.Configuration;
using Xunit.Abstractions;

namespace Bulwark.Tests.Configuration.Fuzz;

/// <summary>
/// From each file in <c>examples/</c>, every key mutated in turn (<see cref="ConfigurationMutations"/>). Each result must be
/// a refusal naming that key (what `bulwark config check` exits 2 with), or bound options whose limits are the same as or
/// stricter than the original's. Never looser, never an exception. Deterministic: the same cases every run.
/// </summary>
public sealed class ConfigurationFuzzTests(ITestOutputHelper output) : IDisposable
{
    private static readonly KeyValuePair<string, string?>[] NoEnvironment = [];

    private readonly ConfigurationFiles _files = new();

    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryRoot(), "examples"), "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void EveryKeyMutated_IsRefusedNamingIt_OrNoLooser(string example)
    {
        var yaml = File.ReadAllText(Path.Combine(RepositoryRoot(), "examples", example));
        var document = YamlTree.Parse(yaml);

        // The writer is faithful: the example written again binds to exactly the same options.
        var original = LoadValid(yaml);
        var rewritten = LoadValid(document.Write());
        Assert.Empty(EffectiveOptions.Looser(original, rewritten));
        Assert.Equal(original, rewritten);

        var failures = new List<string>();
        var (cases, refused, accepted) = (0, 0, 0);
        foreach (var mutation in ConfigurationMutations.Of(document))
        {
            cases++;
            var verdict = Judge(mutation, original);
            if (verdict is null)
            {
                continue;
            }

            if (verdict.Length == 0)
            {
                accepted++;
            }
            else if (verdict == Refused)
            {
                refused++;
            }
            else
            {
                failures.Add($"{mutation}: {verdict}");
            }
        }

        output.WriteLine($"{example}: {cases} cases, {refused} refused naming the key, {accepted} accepted with the same or stricter limits");
        Assert.True(cases > 100, $"only {cases} cases from {example}");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases} mutations of {example} were neither refused naming the key nor as strict:\n" +
            string.Join("\n", failures.Take(40)));
    }

    public void Dispose() => _files.Dispose();

    private const string Refused = "refused";

    /// <summary><see cref="Refused"/>, "" when accepted as strict, or what went wrong.</summary>
    private string? Judge(ConfigurationMutation mutation, SortedDictionary<string, string> original)
    {
        var path = _files.Write(mutation.Yaml);
        ConfigurationLoadResult result;
        try
        {
            result = BulwarkConfiguration.Load(path, NoEnvironment);
        }
        catch (Exception e)
        {
            return $"unhandled {e.GetType().Name}: {e.Message}";
        }

        if (result.Errors.Count > 0)
        {
            return result.Errors.Any(e => Names(e, mutation.Path, path)) ? Refused
                : "refused without naming it: " + string.Join("; ", result.Errors.Select(e => e.ToString()));
        }

        var looser = EffectiveOptions.Looser(original, EffectiveOptions.Of(result.Options!));
        return looser.Count == 0 ? "" : "accepted, looser or changed: " + string.Join("; ", looser.Take(5));
    }

    /// <summary>The error is at the key (or inside it), or is the file's duplicate-key error naming it.</summary>
    private static bool Names(OptionsError error, string key, string file) =>
        OptionsPath.IsWithin(error.Path, key) ||
        (error.Path == file && error.Message.StartsWith("duplicate key " + key, StringComparison.OrdinalIgnoreCase));

    private SortedDictionary<string, string> LoadValid(string yaml)
    {
        var result = BulwarkConfiguration.Load(_files.Write(yaml), NoEnvironment);
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        return EffectiveOptions.Of(result.Options);
    }

    private static string RepositoryRoot()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Bulwark.slnx")))
        {
            root = root.Parent;
        }

        return root?.FullName ?? throw new InvalidOperationException("Bulwark.slnx not found above " + AppContext.BaseDirectory);
    }
}
