using Bulwark.Configuration;

namespace Bulwark.Tests.Configuration;

/// <summary>Loading: the file, YAML errors, environment overrides, every error at once, and every field landing where it belongs.</summary>
public sealed class BulwarkConfigurationTests : IDisposable
{
    private readonly ConfigurationFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Load_MissingFile_IsAnErrorNamingTheFile()
    {
        var path = Path.Combine(_files.Directory, "absent.yaml");

        var result = BulwarkConfiguration.Load(path, []);

        Assert.Equal([new OptionsError(path, "file not found")], result.Errors);
        Assert.Null(result.Options);
        Assert.Null(result.Configuration);
        Assert.False(result.IsValid);
    }

    [Fact]
    public void Load_YamlSyntaxError_NamesFileLineAndColumn()
    {
        var path = _files.Write("checkIntervalSeconds: 5\ncomponents:\n  - name: gateway\n   checks: [\n");

        var result = BulwarkConfiguration.Load(path, []);

        var error = Assert.Single(result.Errors);
        Assert.Equal(path, error.Path);
        Assert.StartsWith("YAML syntax error at line 4, column ", error.Message, StringComparison.Ordinal);
        Assert.Null(result.Options);
    }

    [Fact]
    public void Load_TopLevelList_IsAnError()
    {
        var path = _files.Write("- name: gateway\n");

        var error = Assert.Single(BulwarkConfiguration.Load(path, []).Errors);

        Assert.Equal(path, error.Path);
        Assert.Contains("top level must be a YAML mapping", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DuplicateKey_IsAnError()
    {
        var path = _files.Write(ConfigurationFiles.ValidWith("        port: 5432\n", "        port: 5432\n        Port: 5433\n"));

        var error = Assert.Single(BulwarkConfiguration.Load(path, []).Errors);

        Assert.Equal(path, error.Path);
        Assert.Equal("duplicate key components[0].checks[1].Port (keys are case-insensitive)", error.Message);
    }

    [Fact]
    public void Load_EmptyFile_AsksForComponents()
    {
        var result = _files.Load("");

        Assert.Equal([new OptionsError("components", "at least one component is required")], result.Errors);
    }

    [Fact]
    public void Load_SeveralErrors_ReportsAllInOneResult()
    {
        var yaml = ConfigurationFiles.Valid
            .Replace("availabilityTarget: 0.999", "availabilityTarget: 1.5", StringComparison.Ordinal)
            .Replace("failureThreshold: 3", "failureThreshold: three", StringComparison.Ordinal)
            .Replace("url: http://127.0.0.1:8080/health", "url: ftp://x", StringComparison.Ordinal)
            .Replace("        port: 5432\n", "        port: 5432\n        timout: 3\n", StringComparison.Ordinal)
            .Replace("name: strategy", "name: gateway", StringComparison.Ordinal)
            .Replace("        processName: strategy\n", "", StringComparison.Ordinal);

        var result = _files.Load(yaml);

        Assert.Null(result.Options);
        Assert.Equal(
            [
                "availabilityTarget",
                "components[0].checks[0].url",
                "components[0].checks[1].timout",
                "components[0].failureThreshold",
                "components[1].checks[0]",
                "components[1].name",
            ],
            result.Errors.Select(e => e.Path));
    }

    [Fact]
    public void Load_EnvironmentOverridesScalar()
    {
        var result = _files.Load(ConfigurationFiles.Valid, ("BULWARK__CHECKINTERVALSECONDS", "1"), ("BULWARK__DataDirectory", "/var/lib/bulwark"));

        Assert.True(result.IsValid);
        Assert.Equal(1, result.Options.CheckIntervalSeconds);
        Assert.Equal("/var/lib/bulwark", result.Options.DataDirectory);
    }

    [Fact]
    public void Load_EnvironmentOverridesNestedListItem()
    {
        var result = _files.Load(
            ConfigurationFiles.Valid,
            ("BULWARK__COMPONENTS__0__CHECKS__0__URL", "https://gateway.internal/health"),
            ("bulwark__components__1__checks__3__registration", "cache"));

        Assert.True(result.IsValid);
        Assert.Equal("https://gateway.internal/health", result.Options.Components[0].Checks[0].Url);
        Assert.Equal("cache", result.Options.Components[1].Checks[3].Registration);
        Assert.Equal("http", result.Options.Components[0].Checks[0].EffectiveName);
    }

    [Fact]
    public void Load_EnvironmentWithoutPrefix_IsIgnored()
    {
        var result = _files.Load(ConfigurationFiles.Valid, ("CHECKINTERVALSECONDS", "1"), ("BULWARK_CHECKINTERVALSECONDS", "1"));

        Assert.True(result.IsValid);
        Assert.Equal(5, result.Options.CheckIntervalSeconds);
    }

    [Fact]
    public void Load_BadEnvironmentValue_IsReportedWithTheFilesPath()
    {
        var result = _files.Load(ConfigurationFiles.Valid, ("BULWARK__COMPONENTS__0__FAILURETHRESHOLD", "x"), ("BULWARK__COMPONENTS__0__CHECKS__1__PORT", "0"));

        Assert.Equal(
            [
                new OptionsError("components[0].checks[1].port", "must be between 1 and 65535, got 0"),
                new OptionsError("components[0].failureThreshold", "must be a whole number, got 'x'"),
            ],
            result.Errors);
    }

    [Fact]
    public void Load_EnvironmentListIndexWithGap_IsAnError()
    {
        var result = _files.Load(ConfigurationFiles.Valid, ("BULWARK__COMPONENTS__5__NAME", "ghost"));

        var error = Assert.Single(result.Errors);
        Assert.Equal("components[5]", error.Path);
        Assert.Contains("without gaps; expected index 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EnvironmentAddingAnUnknownKey_IsAnError() =>
        Assert.Equal(
            "components[0].checks[0].TIMEOUT",
            Assert.Single(_files.Load(ConfigurationFiles.Valid, ("BULWARK__COMPONENTS__0__CHECKS__0__TIMEOUT", "3")).Errors).Path);

    [Fact]
    public void BuildConfiguration_EnvironmentApplies_AfterTheFile()
    {
        var path = _files.Write("checkIntervalSeconds: 5\n");

        var configuration = BulwarkConfiguration.BuildConfiguration(path, [new("BULWARK__CHECKINTERVALSECONDS", "2"), new("OTHER", "x")]);

        Assert.Equal("2", configuration["checkIntervalSeconds"]);
        Assert.Null(configuration["OTHER"]);
    }

    [Fact]
    public void Load_FullSample_BindsEveryField()
    {
        var options = _files.LoadValid("""
            availabilityTarget: 0.9995
            maxRecoveryTimeSeconds: 45
            checkIntervalSeconds: 2.5
            dataDirectory: /var/lib/bulwark
            components:
              - name: gateway
                criticality: critical
                failureThreshold: 4
                successThreshold: 5
                checks:
                  - type: http
                    name: health
                    intervalSeconds: 1.5
                    timeoutSeconds: 0.75
                    url: https://127.0.0.1:8443/health
                    expectedStatus: "204"
                    bodyContains: "\"status\":\"ok\""
                  - type: tcp
                    host: db.internal
                    port: 5432
              - name: strategy
                criticality: informational
                checks:
                  - type: process
                    pidFile: /run/strategy.pid
                    processName: strategy
                  - type: heartbeat
                    staleAfterSeconds: 12
                  - type: command
                    command: pg_isready
                    args:
                      - --host
                      - db.internal
                  - type: healthCheck
                    registration: database

            """);

        Assert.Equal(0.9995, options.AvailabilityTarget);
        Assert.Equal(45, options.MaxRecoveryTimeSeconds);
        Assert.Equal(2.5, options.CheckIntervalSeconds);
        Assert.Equal("/var/lib/bulwark", options.DataDirectory);

        var gateway = options.Components[0];
        Assert.Equal(("gateway", Criticality.Critical, 4, 5), (gateway.Name, gateway.Criticality, gateway.FailureThreshold, gateway.SuccessThreshold));
        var http = gateway.Checks[0];
        Assert.Equal(CheckType.Http, http.Type);
        Assert.Equal("health", http.Name);
        Assert.Equal(1.5, http.IntervalSeconds);
        Assert.Equal(0.75, http.TimeoutSeconds);
        Assert.Equal("https://127.0.0.1:8443/health", http.Url);
        Assert.Equal("204", http.ExpectedStatus);
        Assert.Equal("\"status\":\"ok\"", http.BodyContains);
        var tcp = gateway.Checks[1];
        Assert.Equal((CheckType.Tcp, "db.internal", 5432), (tcp.Type!.Value, tcp.Host, tcp.Port!.Value));
        Assert.Null(tcp.IntervalSeconds);
        Assert.Null(tcp.TimeoutSeconds);

        var strategy = options.Components[1];
        Assert.Equal(Criticality.Informational, strategy.Criticality);
        Assert.Equal(BulwarkDefaults.FailureThreshold, strategy.FailureThreshold);
        Assert.Equal(BulwarkDefaults.SuccessThreshold, strategy.SuccessThreshold);
        var process = strategy.Checks[0];
        Assert.Equal((CheckType.Process, "/run/strategy.pid", "strategy"), (process.Type!.Value, process.PidFile, process.ProcessName));
        var heartbeat = strategy.Checks[1];
        Assert.Equal((CheckType.Heartbeat, 12.0), (heartbeat.Type!.Value, heartbeat.StaleAfterSeconds!.Value));
        var command = strategy.Checks[2];
        Assert.Equal(CheckType.Command, command.Type);
        Assert.Equal("pg_isready", command.Command);
        Assert.Equal(["--host", "db.internal"], command.Args);
        var healthCheck = strategy.Checks[3];
        Assert.Equal((CheckType.HealthCheck, "database"), (healthCheck.Type!.Value, healthCheck.Registration));
        Assert.Null(healthCheck.Instance);
    }

    [Fact]
    public void Load_OmittedTopLevelKeys_TakeTheDefaults()
    {
        var options = _files.LoadValid("components:\n  - name: gateway\n    checks:\n      - type: heartbeat\n");

        Assert.Equal(BulwarkDefaults.AvailabilityTarget, options.AvailabilityTarget);
        Assert.Equal(BulwarkDefaults.MaxRecoveryTimeSeconds, options.MaxRecoveryTimeSeconds);
        Assert.Equal(BulwarkDefaults.RedundancyLevel, options.RedundancyLevel);
        Assert.Equal(BulwarkDefaults.CheckIntervalSeconds, options.CheckIntervalSeconds);
        Assert.Equal(BulwarkDefaults.DataDirectory, options.DataDirectory);
        Assert.Equal(Criticality.Standard, options.Components[0].Criticality);
    }
}

/// <summary>Tests that set real process environment variables run alone, so no other test sees them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection
{
    public const string Name = "Process environment";
}

[Collection(ProcessEnvironmentCollection.Name)]
public sealed class BulwarkConfigurationProcessEnvironmentTests : IDisposable
{
    private const string Variable = "BULWARK__COMPONENTS__0__CHECKS__1__PORT";
    private readonly ConfigurationFiles _files = new();

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(Variable, null);
        _files.Dispose();
    }

    [Fact]
    public void Load_WithoutEnvironmentArgument_ReadsTheProcessEnvironment()
    {
        var path = _files.Write(ConfigurationFiles.Valid);
        Environment.SetEnvironmentVariable(Variable, "6543");

        var result = BulwarkConfiguration.Load(path);

        Assert.True(result.IsValid);
        Assert.Equal(6543, result.Options.Components[0].Checks[1].Port);
    }
}
