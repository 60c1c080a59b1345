using System.Text.Json;

namespace Bulwark.Cli.Tests.Commands;

/// <summary><c>bulwark config check</c>, run in process: exit codes, one error per line with its path, and <c>--json</c>.</summary>
public sealed class ConfigCommandTests : IDisposable
{
    internal const string Valid = SampleConfigurations.Valid;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "bulwark-cli-tests", Guid.NewGuid().ToString("N"));

    public ConfigCommandTests() => Directory.CreateDirectory(_directory);

    /// <summary>One broken file per rule: what to change in <see cref="Valid"/>, and the path the error must name.</summary>
    public static TheoryData<string, string, string> BrokenFiles => new()
    {
        { "availabilityTarget: 0.999", "availabilityTarget: 1", "availabilityTarget" },
        { "maxRecoveryTimeSeconds: 60", "maxRecoveryTimeSeconds: 0", "maxRecoveryTimeSeconds" },
        { "checkIntervalSeconds: 5", "checkIntervalSeconds: 5\nredundancyLevel: 0", "redundancyLevel" },
        { "checkIntervalSeconds: 5", "checkIntervalSeconds: 5\nserver:\n  urls: ftp://127.0.0.1:5000", "server.urls" },
        { "checkIntervalSeconds: 5", "checkIntervalSeconds: 5\nserver:\n  enabled: yes", "server.enabled" },
        { "checkIntervalSeconds: 5", "checkIntervalSeconds: 5\nserver:\n  port: 5000", "server.port" },
        { "checkIntervalSeconds: 5", "checkIntervalSeconds: 5\nredundancy: 3", "redundancy" },
        { "checkIntervalSeconds: 5", "checkIntervalSeconds: 5000000", "checkIntervalSeconds" },
        { "checkIntervalSeconds: 5", "checkIntervalSeconds: 0", "checkIntervalSeconds" },
        { "dataDirectory: .bulwark", "dataDirectory: \"\"", "dataDirectory" },
        { "  - name: strategy\n    checks:", "  - checks:", "components[1].name" },
        { "name: strategy", "name: \"bad name\"", "components[1].name" },
        { "name: strategy", "name: Gateway", "components[1].name" },
        { "failureThreshold: 3", "failureThreshold: 0", "components[0].failureThreshold" },
        { "successThreshold: 2", "successThreshold: 0", "components[0].successThreshold" },
        { "      - type: tcp\n", "      - type: http\n        url: http://127.0.0.1:8081/\n      - type: tcp\n", "components[0].checks[1].name" },
        { "      - type: tcp\n        host", "      - host", "components[0].checks[1].type" },
        { "intervalSeconds: 10", "intervalSeconds: 0", "components[0].checks[1].intervalSeconds" },
        { "timeoutSeconds: 2", "timeoutSeconds: -2", "components[0].checks[0].timeoutSeconds" },
        { "        port: 5432\n", "        port: 5432\n        url: http://127.0.0.1/\n", "components[0].checks[1].url" },
        { "        url: http://127.0.0.1:8080/health\n", "", "components[0].checks[0].url" },
        { "url: http://127.0.0.1:8080/health", "url: ftp://127.0.0.1/health", "components[0].checks[0].url" },
        { "expectedStatus: 200-299", "expectedStatus: 299-200", "components[0].checks[0].expectedStatus" },
        { "        host: 127.0.0.1\n", "", "components[0].checks[1].host" },
        { "        port: 5432\n", "", "components[0].checks[1].port" },
        { "port: 5432", "port: 70000", "components[0].checks[1].port" },
        { "        processName: strategy\n", "", "components[1].checks[0]" },
        { "staleAfterSeconds: 15", "staleAfterSeconds: 0", "components[1].checks[1].staleAfterSeconds" },
        { "        command: /bin/true\n", "        args: [x]\n", "components[1].checks[2].command" },
        { "        registration: database\n", "", "components[1].checks[3]" },
        { "failureThreshold: 3", "failureThreshold: three", "components[0].failureThreshold" },
        { "        port: 5432\n", "        port: 5432\n        timout: 3\n", "components[0].checks[1].timout" },
    };

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task Check_ValidFile_ExitsZeroWithSummary()
    {
        var path = Write(Valid);

        var (exit, stdout, stderr) = await RunAsync("config", "check", path);

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Equal($"{path}: valid (2 components, 6 checks)", stdout.TrimEnd());
        Assert.Empty(stderr);
    }

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public async Task Check_BrokenFile_ExitsTwoNamingThePath(string find, string replacement, string path)
    {
        var file = Write(Change(Valid, find, replacement));

        var (exit, stdout, stderr) = await RunAsync("config", "check", file);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Empty(stdout);
        var line = Assert.Single(Lines(stderr));
        Assert.StartsWith(path + ": ", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_SeveralErrors_PrintsOnePerLine()
    {
        var file = Write(Valid
            .Replace("availabilityTarget: 0.999", "availabilityTarget: 2", StringComparison.Ordinal)
            .Replace("port: 5432", "port: 0", StringComparison.Ordinal)
            .Replace("url: http://127.0.0.1:8080/health", "url: nowhere", StringComparison.Ordinal));

        var (exit, _, stderr) = await RunAsync("config", "check", file);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Equal(
            [
                "availabilityTarget: must be between 0 and 1, both excluded (for example 0.999), got 2",
                "components[0].checks[0].url: must be an absolute http or https URL",
                "components[0].checks[1].port: must be between 1 and 65535, got 0",
            ],
            Lines(stderr));
    }

    [Fact]
    public async Task Check_Json_ListsEveryError()
    {
        var file = Write(Valid
            .Replace("checkIntervalSeconds: 5", "checkIntervalSeconds: 5\nserver:\n  urls: http://127.0.0.1", StringComparison.Ordinal)
            .Replace("failureThreshold: 3", "failureThreshold: three", StringComparison.Ordinal)
            .Replace("        processName: strategy\n", "", StringComparison.Ordinal));

        var (exit, stdout, stderr) = await RunAsync("config", "check", file, "--json");

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Empty(stderr);
        using var document = JsonDocument.Parse(stdout);
        Assert.False(document.RootElement.GetProperty("valid").GetBoolean());
        var errors = document.RootElement.GetProperty("errors").EnumerateArray()
            .Select(e => (e.GetProperty("path").GetString(), e.GetProperty("message").GetString()))
            .ToList();
        Assert.Equal(
            [
                ("components[0].failureThreshold", "must be a whole number, got 'three'"),
                ("components[1].checks[0]", "a process check needs pidFile or processName (or both)"),
                ("server.urls", "'http://127.0.0.1' has no port; use for example http://127.0.0.1:5080 (0 asks for a free port)"),
            ],
            errors);
    }

    [Fact]
    public async Task Check_JsonOnValidFile_SaysValid()
    {
        var (exit, stdout, _) = await RunAsync("config", "check", Write(Valid), "--json");

        Assert.Equal(ExitCodes.Ok, exit);
        using var document = JsonDocument.Parse(stdout);
        Assert.True(document.RootElement.GetProperty("valid").GetBoolean());
        Assert.Equal(2, document.RootElement.GetProperty("components").GetInt32());
        Assert.Equal(6, document.RootElement.GetProperty("checks").GetInt32());
        Assert.Equal(0, document.RootElement.GetProperty("errors").GetArrayLength());
    }

    [Fact]
    public async Task Check_MissingFile_ExitsTwo()
    {
        var path = Path.Combine(_directory, "absent.yaml");

        var (exit, _, stderr) = await RunAsync("config", "check", path);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Equal([$"{path}: file not found"], Lines(stderr));
    }

    [Fact]
    public async Task Check_YamlSyntaxError_ExitsTwoWithLine()
    {
        var path = Write("components:\n  - name: gateway\n   checks: [\n");

        var (exit, _, stderr) = await RunAsync("config", "check", path);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.StartsWith($"{path}: YAML syntax error at line 3, column ", Assert.Single(Lines(stderr)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WithoutFile_IsAUsageError()
    {
        var (exit, _, stderr) = await RunAsync("config", "check");

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("error:", stderr, StringComparison.Ordinal);
    }

    internal static string Change(string yaml, string find, string replacement)
    {
        var first = yaml.IndexOf(find, StringComparison.Ordinal);
        Assert.True(first >= 0, $"'{find}' is not in the sample");
        Assert.True(yaml.IndexOf(find, first + 1, StringComparison.Ordinal) < 0, $"'{find}' occurs more than once in the sample");
        return string.Concat(yaml.AsSpan(0, first), replacement, yaml.AsSpan(first + find.Length));
    }

    internal static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await BulwarkCli.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private string Write(string yaml)
    {
        var path = Path.Combine(_directory, "bulwark.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }
}

/// <summary>Tests that set real process environment variables run alone, so no other test sees them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection
{
    public const string Name = "Process environment";
}

[Collection(ProcessEnvironmentCollection.Name)]
public sealed class ConfigCommandEnvironmentTests : IDisposable
{
    private const string Variable = "BULWARK__COMPONENTS__0__CHECKS__0__URL";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "bulwark-cli-tests", Guid.NewGuid().ToString("N"));

    public ConfigCommandEnvironmentTests() => Directory.CreateDirectory(_directory);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(Variable, null);
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Check_EnvironmentOverride_IsApplied()
    {
        var path = Path.Combine(_directory, "bulwark.yaml");
        await File.WriteAllTextAsync(path, ConfigCommandTests.Valid);
        Environment.SetEnvironmentVariable(Variable, "not a url");

        var (exit, _, stderr) = await ConfigCommandTests.RunAsync("config", "check", path);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Equal("components[0].checks[0].url: must be an absolute http or https URL", stderr.Trim());
    }
}
