using Bulwark.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Bulwark.Tests.Configuration;

/// <summary>
/// One test per validation rule. Each changes one thing in the valid baseline and expects exactly that error, with its
/// field path; tables check values below, at and above a limit.
/// </summary>
public sealed class BulwarkOptionsValidatorTests : IDisposable
{
    private readonly ConfigurationFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Validate_Baseline_HasNoErrors()
    {
        var options = _files.LoadValid(ConfigurationFiles.Valid);

        Assert.Empty(BulwarkOptionsValidator.Validate(options));
        Assert.Equal(2, options.Components.Count);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("-0.5")]
    [InlineData("1.5")]
    public void AvailabilityTarget_OutsideZeroToOne_IsRejected(string value) =>
        _files.LoadSingleError(
            ConfigurationFiles.ValidWith("availabilityTarget: 0.999", $"availabilityTarget: {value}"),
            "availabilityTarget",
            $"must be between 0 and 1, both excluded (for example 0.999), got {value}");

    [Theory]
    [InlineData("0.0001")]
    [InlineData("0.5")]
    [InlineData("0.99999")]
    public void AvailabilityTarget_InsideZeroToOne_IsAccepted(string value) =>
        _files.LoadValid(ConfigurationFiles.ValidWith("availabilityTarget: 0.999", $"availabilityTarget: {value}"));

    [Theory]
    [InlineData("0", false)]
    [InlineData("-1", false)]
    [InlineData("0.5", true)]
    public void MaxRecoveryTimeSeconds_MustBePositive(string value, bool valid) =>
        AssertRule(
            ConfigurationFiles.ValidWith("maxRecoveryTimeSeconds: 60", $"maxRecoveryTimeSeconds: {value}"),
            valid,
            "maxRecoveryTimeSeconds",
            $"must be greater than 0, got {value}");

    [Fact]
    public void RedundancyLevel_InCode_MustNotBeNegative() =>
        Assert.Contains(
            new OptionsError("redundancyLevel", "must be between 1 and 100 (spare replicas beyond N), got -1"),
            BulwarkOptionsValidator.Validate(new BulwarkOptions { RedundancyLevel = -1 }));

    [Theory]
    [InlineData("0", false)]
    [InlineData("-5", false)]
    [InlineData("0.1", true)]
    public void CheckIntervalSeconds_MustBePositive(string value, bool valid) =>
        AssertRule(
            ConfigurationFiles.ValidWith("checkIntervalSeconds: 5", $"checkIntervalSeconds: {value}"),
            valid,
            "checkIntervalSeconds",
            $"must be greater than 0, got {value}");

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\"   \"")]
    public void DataDirectory_Empty_IsRejected(string value) =>
        _files.LoadSingleError(
            ConfigurationFiles.ValidWith("dataDirectory: .bulwark", $"dataDirectory: {value}"),
            "dataDirectory",
            "must not be empty");

    [Fact]
    public void Components_None_IsRejected() =>
        _files.LoadSingleError("checkIntervalSeconds: 5\ncomponents: []\n", "components", "at least one component is required");

    [Fact]
    public void ComponentName_Missing_IsRejected() =>
        _files.LoadSingleError(
            ConfigurationFiles.ValidWith("  - name: strategy\n    checks:", "  - checks:"),
            "components[1].name",
            "is required");

    [Theory]
    [InlineData("bad name")]
    [InlineData("api/v1")]
    [InlineData("naïve")]
    public void ComponentName_OutsidePattern_IsRejected(string name) =>
        _files.LoadSingleError(
            ConfigurationFiles.ValidWith("name: strategy", $"name: \"{name}\""),
            "components[1].name",
            $"must be 1 to 64 letters, digits, '.', '_' or '-', got '{name}'");

    [Theory]
    [InlineData("a.b_c-D9")]
    [InlineData("x")]
    public void ComponentName_InsidePattern_IsAccepted(string name) =>
        _files.LoadValid(ConfigurationFiles.ValidWith("name: strategy", $"name: \"{name}\""));

    [Fact]
    public void ComponentName_Length_IsAtMost64()
    {
        _files.LoadValid(ConfigurationFiles.ValidWith("name: strategy", $"name: {new string('n', 64)}"));
        _files.LoadSingleError(
            ConfigurationFiles.ValidWith("name: strategy", $"name: {new string('n', 65)}"),
            "components[1].name",
            "must be 1 to 64 letters");
    }

    [Theory]
    [InlineData("gateway")]
    [InlineData("GATEWAY")]
    public void ComponentName_Duplicate_IsRejectedIgnoringCase(string name) =>
        _files.LoadSingleError(
            ConfigurationFiles.ValidWith("name: strategy", $"name: {name}"),
            "components[1].name",
            $"duplicate component name '{name}' (also components[0]");

    [Theory]
    [InlineData("failureThreshold: 3", "failureThreshold", "0", false)]
    [InlineData("failureThreshold: 3", "failureThreshold", "-1", false)]
    [InlineData("failureThreshold: 3", "failureThreshold", "1", true)]
    [InlineData("successThreshold: 2", "successThreshold", "0", false)]
    [InlineData("successThreshold: 2", "successThreshold", "1", true)]
    public void Thresholds_MustBeAtLeastOne(string find, string key, string value, bool valid) =>
        AssertRule(
            ConfigurationFiles.ValidWith(find, $"{key}: {value}"),
            valid,
            $"components[0].{key}",
            $"must be at least 1, got {value}");

    [Fact]
    public void Checks_None_IsRejected() =>
        _files.LoadSingleError(
            ConfigurationFiles.Valid[..ConfigurationFiles.Valid.IndexOf("\n      - type: process", StringComparison.Ordinal)] + " []\n",
            "components[1].checks",
            "at least one check is required");

    [Fact]
    public void CheckNames_Duplicate_AskForAName()
    {
        var yaml = ConfigurationFiles.ValidWith("      - type: tcp\n", "      - type: http\n        url: http://127.0.0.1:8081/\n      - type: tcp\n");

        var error = _files.LoadSingleError(yaml, "components[0].checks[1].name", "duplicate check name 'http' (also checks[0])");

        Assert.Contains("give each check of a component its own 'name'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckNames_Distinct_AreAccepted() =>
        _files.LoadValid(ConfigurationFiles.ValidWith("      - type: tcp\n", "      - type: http\n        name: http-backup\n        url: http://127.0.0.1:8081/\n      - type: tcp\n"));

    [Fact]
    public void CheckNames_SameNameInOtherComponent_IsAccepted() =>
        _files.LoadValid(ConfigurationFiles.ValidWith("      - type: command\n", "      - type: command\n        name: tcp\n"));

    [Theory]
    [InlineData("bad name")]
    [InlineData("tcp:5432")]
    public void CheckName_OutsidePattern_IsRejected(string name) =>
        _files.LoadSingleError(
            ConfigurationFiles.ValidWith("      - type: command\n", $"      - type: command\n        name: \"{name}\"\n"),
            "components[1].checks[2].name",
            $"got '{name}'");

    [Fact]
    public void CheckType_Missing_IsRejected() =>
        _files.LoadSingleError(
            ConfigurationFiles.ValidWith("      - type: tcp\n        host", "      - host"),
            "components[0].checks[1].type",
            "is required: one of http, tcp, process, heartbeat, command, healthCheck");

    [Theory]
    [InlineData("intervalSeconds: 10", "intervalSeconds", "components[0].checks[1].intervalSeconds", "0", false)]
    [InlineData("intervalSeconds: 10", "intervalSeconds", "components[0].checks[1].intervalSeconds", "-3", false)]
    [InlineData("intervalSeconds: 10", "intervalSeconds", "components[0].checks[1].intervalSeconds", "0.25", true)]
    [InlineData("timeoutSeconds: 2", "timeoutSeconds", "components[0].checks[0].timeoutSeconds", "0", false)]
    [InlineData("timeoutSeconds: 2", "timeoutSeconds", "components[0].checks[0].timeoutSeconds", "0.25", true)]
    [InlineData("staleAfterSeconds: 15", "staleAfterSeconds", "components[1].checks[1].staleAfterSeconds", "0", false)]
    [InlineData("staleAfterSeconds: 15", "staleAfterSeconds", "components[1].checks[1].staleAfterSeconds", "-1", false)]
    [InlineData("staleAfterSeconds: 15", "staleAfterSeconds", "components[1].checks[1].staleAfterSeconds", "1", true)]
    public void CheckSeconds_WhenGiven_MustBePositive(string find, string key, string path, string value, bool valid) =>
        AssertRule(ConfigurationFiles.ValidWith(find, $"{key}: {value}"), valid, path, $"must be greater than 0, got {value}");

    [Theory]
    [InlineData("        port: 5432\n", "url: http://127.0.0.1/", "components[0].checks[1].url", "url is not allowed for a tcp check")]
    [InlineData("        port: 5432\n", "bodyContains: ok", "components[0].checks[1].bodyContains", "bodyContains is not allowed for a tcp check")]
    [InlineData("        expectedStatus: 200-299\n", "port: 80", "components[0].checks[0].port", "port is not allowed for an http check")]
    [InlineData("        processName: strategy\n", "args: [x]", "components[1].checks[0].args", "args is not allowed for a process check")]
    [InlineData("        staleAfterSeconds: 15\n", "host: localhost", "components[1].checks[1].host", "host is not allowed for a heartbeat check")]
    [InlineData("        command: /bin/true\n", "registration: database", "components[1].checks[2].registration", "registration is not allowed for a command check")]
    [InlineData("        command: /bin/true\n", "pidFile: /run/x.pid", "components[1].checks[2].pidFile", "pidFile is not allowed for a command check")]
    [InlineData("        registration: database\n", "staleAfterSeconds: 3", "components[1].checks[3].staleAfterSeconds", "staleAfterSeconds is not allowed for a healthCheck check")]
    [InlineData("        registration: database\n", "processName: x", "components[1].checks[3].processName", "processName is not allowed for a healthCheck check")]
    [InlineData("        registration: database\n", "command: x", "components[1].checks[3].command", "command is not allowed for a healthCheck check")]
    public void CheckFields_OfAnotherType_AreRejected(string after, string field, string path, string message) =>
        _files.LoadSingleError(ConfigurationFiles.ValidWith(after, $"{after}        {field}\n"), path, message);

    [Fact]
    public void HttpUrl_Missing_IsRejected() =>
        _files.LoadSingleError(
            ConfigurationFiles.ValidWith("        url: http://127.0.0.1:8080/health\n", ""),
            "components[0].checks[0].url",
            "is required for an http check");

    [Theory]
    [InlineData("ftp://127.0.0.1/health")]
    [InlineData("/health")]
    [InlineData("127.0.0.1:8080/health")]
    [InlineData("http://")]
    [InlineData("file:///etc/passwd")]
    public void HttpUrl_NotAbsoluteHttp_IsRejected(string url)
    {
        var error = _files.LoadSingleError(
            ConfigurationFiles.ValidWith("url: http://127.0.0.1:8080/health", $"url: \"{url}\""),
            "components[0].checks[0].url",
            "must be an absolute http or https URL");

        Assert.Equal("must be an absolute http or https URL", error.Message);
    }

    [Theory]
    [InlineData("https://gateway.example.com:8443/health?deep=1")]
    [InlineData("http://[::1]:8080/")]
    public void HttpUrl_AbsoluteHttp_IsAccepted(string url) =>
        _files.LoadValid(ConfigurationFiles.ValidWith("url: http://127.0.0.1:8080/health", $"url: \"{url}\""));

    [Theory]
    [InlineData("99")]
    [InlineData("600")]
    [InlineData("2xx")]
    [InlineData("300-200")]
    [InlineData("200-600")]
    [InlineData("200-")]
    [InlineData("200-299-300")]
    public void ExpectedStatus_Malformed_IsRejected(string value) =>
        _files.LoadSingleError(
            ConfigurationFiles.ValidWith("expectedStatus: 200-299", $"expectedStatus: {value}"),
            "components[0].checks[0].expectedStatus",
            "must be a status code or range such as 200 or 200-299");

    [Theory]
    [InlineData("100")]
    [InlineData("599")]
    [InlineData("204-204")]
    [InlineData("100-599")]
    public void ExpectedStatus_CodeOrRange_IsAccepted(string value) =>
        _files.LoadValid(ConfigurationFiles.ValidWith("expectedStatus: 200-299", $"expectedStatus: {value}"));

    [Fact]
    public void TcpHost_Missing_IsRejected() =>
        _files.LoadSingleError(
            ConfigurationFiles.ValidWith("        host: 127.0.0.1\n", ""),
            "components[0].checks[1].host",
            "is required for a tcp check");

    [Fact]
    public void TcpPort_Missing_IsRejected() =>
        _files.LoadSingleError(
            ConfigurationFiles.ValidWith("        port: 5432\n", ""),
            "components[0].checks[1].port",
            "is required for a tcp check");

    [Theory]
    [InlineData("0", false)]
    [InlineData("-1", false)]
    [InlineData("65536", false)]
    [InlineData("1", true)]
    [InlineData("65535", true)]
    public void TcpPort_MustBeOneTo65535(string value, bool valid) =>
        AssertRule(
            ConfigurationFiles.ValidWith("port: 5432", $"port: {value}"),
            valid,
            "components[0].checks[1].port",
            $"must be between 1 and 65535, got {value}");

    [Fact]
    public void Process_NeitherPidFileNorName_IsRejected() =>
        _files.LoadSingleError(
            ConfigurationFiles.ValidWith("        processName: strategy\n", ""),
            "components[1].checks[0]",
            "a process check needs pidFile or processName");

    [Theory]
    [InlineData("pidFile: /run/strategy.pid")]
    [InlineData("pidFile: /run/strategy.pid\n        processName: strategy")]
    public void Process_PidFileAloneOrWithName_IsAccepted(string fields) =>
        _files.LoadValid(ConfigurationFiles.ValidWith("processName: strategy", fields));

    [Fact]
    public void Command_Missing_IsRejected() =>
        _files.LoadSingleError(
            ConfigurationFiles.ValidWith("        command: /bin/true\n", "        args: [--quiet]\n"),
            "components[1].checks[2].command",
            "is required for a command check");

    [Fact]
    public void HealthCheck_NeitherRegistrationNorInstance_IsRejected() =>
        _files.LoadSingleError(
            ConfigurationFiles.ValidWith("        registration: database\n", ""),
            "components[1].checks[3]",
            "needs exactly one of registration");

    [Fact]
    public void HealthCheck_RegistrationAndInstance_IsRejected()
    {
        var options = CodeBuilt(new CheckOptions { Type = CheckType.HealthCheck, Registration = "database", Instance = new AlwaysHealthy() });

        var error = Assert.Single(BulwarkOptionsValidator.Validate(options));

        Assert.Equal("components[0].checks[0]", error.Path);
        Assert.Contains("exactly one of registration or instance, not both", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HealthCheck_InstanceAlone_IsAccepted() =>
        Assert.Empty(BulwarkOptionsValidator.Validate(CodeBuilt(new CheckOptions { Type = CheckType.HealthCheck, Instance = new AlwaysHealthy() })));

    [Fact]
    public void HealthCheck_UnknownRegistration_IsRejectedWhenRegistrationsAreKnown()
    {
        var options = CodeBuilt(new CheckOptions { Type = CheckType.HealthCheck, Registration = "database" });

        Assert.Empty(BulwarkOptionsValidator.Validate(options));
        Assert.Empty(BulwarkOptionsValidator.Validate(options, ["database", "cache"]));
        var error = Assert.Single(BulwarkOptionsValidator.Validate(options, ["Database", "cache"]));
        Assert.Equal("components[0].checks[0].registration", error.Path);
        Assert.Equal("no health check is registered as 'database' (registered: Database, cache)", error.Message);
    }

    [Fact]
    public void Validate_CodeBuiltNullsAndUndefinedEnums_AreRejected()
    {
        var options = new BulwarkOptions();
        var component = new ComponentOptions { Name = "gateway", Criticality = (Criticality)42 };
        component.Checks.Add(null!);
        component.Checks.Add(new CheckOptions { Type = (CheckType)42 });
        options.Components.Add(component);
        options.Components.Add(null!);

        var errors = BulwarkOptionsValidator.Validate(options);

        Assert.Equal(
            ["components[0].criticality", "components[0].checks[0]", "components[0].checks[1].type", "components[1]"],
            errors.Select(e => e.Path));
    }

    [Fact]
    public void Validate_NonFiniteSeconds_AreRejected()
    {
        var options = CodeBuilt(new CheckOptions { Type = CheckType.Heartbeat, TimeoutSeconds = double.NaN });
        options.CheckIntervalSeconds = double.PositiveInfinity;

        var errors = BulwarkOptionsValidator.Validate(options);

        Assert.Equal(["checkIntervalSeconds", "components[0].checks[0].timeoutSeconds"], errors.Select(e => e.Path));
    }

    [Fact]
    public void Validate_ManyViolations_ReportsEveryOne()
    {
        var options = new BulwarkOptions { AvailabilityTarget = 2, RedundancyLevel = -1, DataDirectory = "" };
        var component = new ComponentOptions { Name = "gateway", FailureThreshold = 0 };
        component.Checks.Add(new CheckOptions { Type = CheckType.Tcp, Port = 0, Url = "http://x" });
        options.Components.Add(component);

        var errors = BulwarkOptionsValidator.Validate(options);

        Assert.Equal(
            [
                "availabilityTarget", "redundancyLevel", "dataDirectory", "components[0].failureThreshold",
                "components[0].checks[0].url", "components[0].checks[0].host", "components[0].checks[0].port",
            ],
            errors.Select(e => e.Path));
    }

    [Theory]
    [InlineData("200", 200, 200)]
    [InlineData("200-299", 200, 299)]
    [InlineData("100-599", 100, 599)]
    public void TryParseStatusRange_ValidText_GivesBounds(string text, int low, int high)
    {
        Assert.True(BulwarkOptionsValidator.TryParseStatusRange(text, out var parsedLow, out var parsedHigh));
        Assert.Equal((low, high), (parsedLow, parsedHigh));
    }

    private void AssertRule(string yaml, bool valid, string path, string message)
    {
        if (valid)
        {
            _files.LoadValid(yaml);
        }
        else
        {
            _files.LoadSingleError(yaml, path, message);
        }
    }

    private static BulwarkOptions CodeBuilt(CheckOptions check)
    {
        var options = new BulwarkOptions();
        var component = new ComponentOptions { Name = "gateway" };
        component.Checks.Add(check);
        options.Components.Add(component);
        return options;
    }

    private sealed class AlwaysHealthy : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(HealthCheckResult.Healthy());
    }
}
