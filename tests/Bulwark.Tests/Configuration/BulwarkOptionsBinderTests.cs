using Bulwark.Configuration;

namespace Bulwark.Tests.Configuration;

/// <summary>Strict binding: wrong types, unknown keys, case-insensitive keys and values, lists, and paths as written.</summary>
public sealed class BulwarkOptionsBinderTests : IDisposable
{
    private readonly ConfigurationFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData("failureThreshold: 3", "failureThreshold: three", "components[0].failureThreshold", "must be a whole number, got 'three'")]
    [InlineData("failureThreshold: 3", "failureThreshold: 2.5", "components[0].failureThreshold", "must be a whole number, got '2.5'")]
    [InlineData("failureThreshold: 3", "failureThreshold: 99999999999", "components[0].failureThreshold", "must be a whole number, got '99999999999'")]
    [InlineData("port: 5432", "port: postgres", "components[0].checks[1].port", "must be a whole number, got 'postgres'")]
    [InlineData("availabilityTarget: 0.999", "availabilityTarget: high", "availabilityTarget", "must be a number, got 'high'")]
    [InlineData("availabilityTarget: 0.999", "availabilityTarget: 99.9%", "availabilityTarget", "must be a number, got '99.9%'")]
    [InlineData("checkIntervalSeconds: 5", "checkIntervalSeconds: 5s", "checkIntervalSeconds", "must be a number, got '5s'")]
    [InlineData("checkIntervalSeconds: 5", "checkIntervalSeconds: Infinity", "checkIntervalSeconds", "must be a number, got 'Infinity'")]
    [InlineData("checkIntervalSeconds: 5", "checkIntervalSeconds:", "checkIntervalSeconds", "must not be empty: a value that is empty, ~ or null is refused")]
    [InlineData("timeoutSeconds: 2", "timeoutSeconds: [1, 2]", "components[0].checks[0].timeoutSeconds", "must be a single value, got a list")]
    [InlineData("url: http://127.0.0.1:8080/health", "url: {host: x}", "components[0].checks[0].url", "must be a single value, got a section")]
    [InlineData("type: http", "type: htp", "components[0].checks[0].type", "must be one of http, tcp, process, heartbeat, command, healthCheck, got 'htp'")]
    [InlineData("type: http", "type: 0", "components[0].checks[0].type", "must be one of http, tcp, process, heartbeat, command, healthCheck, got '0'")]
    [InlineData("criticality: critical", "criticality: urgent", "components[0].criticality", "must be one of critical, standard, informational, got 'urgent'")]
    [InlineData("command: /bin/true", "command: /bin/true\n        args: --quiet", "components[1].checks[2].args", "must be a list, got '--quiet'")]
    [InlineData("command: /bin/true", "command: /bin/true\n        args: [[a]]", "components[1].checks[2].args[0]", "must be a single value, got a list")]
    [InlineData("      - type: heartbeat\n        staleAfterSeconds: 15\n", "      - heartbeat\n", "components[1].checks[1]", "must be a section of keys")]
    public void Bind_WrongType_IsReportedWithPath(string find, string replacement, string path, string message)
    {
        var error = _files.LoadSingleError(ConfigurationFiles.ValidWith(find, replacement), path, message);

        Assert.Equal(message, error.Message[..Math.Min(message.Length, error.Message.Length)]);
    }

    [Fact]
    public void Bind_ComponentsNotAList_IsReported()
    {
        var result = _files.Load("components:\n  gateway:\n    name: gateway\n");

        var error = Assert.Single(result.Errors);
        Assert.Equal(new OptionsError("components", "must be a list (YAML '- ' items), got a section with key 'gateway'"), error);
    }

    [Fact]
    public void Bind_ScalarComponents_IsReportedOnce()
    {
        var result = _files.Load("components: gateway\n");

        Assert.Equal([new OptionsError("components", "must be a list, got 'gateway'")], result.Errors);
    }

    [Fact]
    public void Bind_UnknownCheckKey_IsReportedWithSuggestion()
    {
        var error = _files.LoadSingleError(
            ConfigurationFiles.ValidWith("        port: 5432\n", "        port: 5432\n        timout: 3\n"),
            "components[0].checks[1].timout",
            "unknown key");

        Assert.Equal("unknown key (did you mean 'timeoutSeconds'?)", error.Message);
    }

    [Theory]
    [InlineData("availabilityTarget: 0.999", "availabilityTarget: 0.999\nalerting:\n  email: ops@example.com", "alerting")]
    [InlineData("failureThreshold: 3", "failureThreshold: 3\n    failureTreshold: 1", "components[0].failureTreshold")]
    [InlineData("        port: 5432\n", "        port: 5432\n        verifyTls: false\n", "components[0].checks[1].verifyTls")]
    public void Bind_UnknownKey_IsAnError(string find, string replacement, string path) =>
        _files.LoadSingleError(ConfigurationFiles.ValidWith(find, replacement), path, "unknown key");

    [Fact]
    public void Bind_ServerSection_IsReadByItsBinder()
    {
        var yaml = ConfigurationFiles.Valid + """
            server:
              urls: http://127.0.0.1:5000;http://[::1]:5001
              authFailureLimit: 5
            redundancyLevel: 2

            """;

        var result = _files.Load(yaml);

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Equal(["http://127.0.0.1:5000", "http://[::1]:5001"], result.Options.Server!.Urls);
        Assert.Equal(5, result.Options.Server.AuthFailureLimit);
        Assert.True(result.Options.Server.Enabled);
    }

    [Theory]
    [InlineData("trading: ~\n")]
    [InlineData("trading:\n")]
    [InlineData("trading: null\n")]
    [InlineData("trading: yes\n")]
    [InlineData("recovery: ~\n")]
    [InlineData("recovery: none\n")]
    [InlineData("redundancy: ~\n")]
    [InlineData("redundancy: yes\n")]
    public void Bind_DelegatedSectionWithoutKeys_IsRefusedNotIgnored(string section)
    {
        // Before: an empty or scalar trading section meant no gate at all, and the file was valid.
        var error = Assert.Single(_files.Load(ConfigurationFiles.Valid + section).Errors);

        Assert.Equal(section[..section.IndexOf(':', StringComparison.Ordinal)], error.Path);
    }

    [Fact]
    public void Load_TradingSection_IsBoundAndValidatedWithTheRest()
    {
        var trading = """
            trading:
              enabledChecks: [maximumOrderQuantity]
              firm:
                maximumOrderQuantity: 100
              accounts:
                - name: ACC1
              strategies:
                - name: momo
              instruments:
                - symbol: XYZ
              bridge:
                onSystemUnknown: reducing

            """;
        var options = _files.LoadValid(ConfigurationFiles.Valid + trading);
        Assert.Equal(100, options.Trading!.Firm.MaximumOrderQuantity);
        Assert.Equal(Bulwark.Trading.TradingState.Reducing, options.TradingPolicy.OnSystemUnknown);

        var broken = _files.Load(ConfigurationFiles.ValidWith("checkIntervalSeconds: 5", "checkIntervalSeconds: 0") +
            trading.Replace("maximumOrderQuantity: 100", "maximumOrderQuantity: -1", StringComparison.Ordinal));
        Assert.Null(broken.Options);
        Assert.Contains(broken.Errors, e => e.Path == "checkIntervalSeconds");
        Assert.Contains(broken.Errors, e => e.Path == "trading.firm.maximumOrderQuantity");
    }

    [Fact]
    public void Bind_DelegatedNameBelowTopLevel_IsStillUnknown() =>
        _files.LoadSingleError(
            ConfigurationFiles.ValidWith("failureThreshold: 3", "failureThreshold: 3\n    server: x"),
            "components[0].server",
            "unknown key");

    [Fact]
    public void Bind_InstanceInFile_IsRejected() =>
        _files.LoadSingleError(
            ConfigurationFiles.ValidWith("registration: database", "registration: database\n        instance: MyCheck"),
            "components[1].checks[3].instance",
            "can only be set in code");

    [Fact]
    public void Bind_KeysAndValues_AreCaseInsensitive()
    {
        var options = _files.LoadValid("""
            CheckIntervalSeconds: 7
            COMPONENTS:
              - Name: gateway
                Criticality: CRITICAL
                Checks:
                  - TYPE: HealthCheck
                    Registration: database
                  - type: Http
                    URL: http://127.0.0.1/

            """);

        Assert.Equal(7, options.CheckIntervalSeconds);
        var component = Assert.Single(options.Components);
        Assert.Equal(Criticality.Critical, component.Criticality);
        Assert.Equal([CheckType.HealthCheck, CheckType.Http], component.Checks.Select(c => c.Type!.Value));
        Assert.Equal("http://127.0.0.1/", component.Checks[1].Url);
    }

    [Fact]
    public void Bind_Paths_KeepTheCasingOfTheFile()
    {
        var result = _files.Load(ConfigurationFiles.ValidWith("failureThreshold: 3", "FailureThreshold: three")
            .Replace("components:", "Components:", StringComparison.Ordinal)
            .Replace("url: http://127.0.0.1:8080/health", "URL: ftp://x", StringComparison.Ordinal));

        Assert.Equal(
            ["Components[0].checks[0].URL", "Components[0].FailureThreshold"],
            result.Errors.Select(e => e.Path));
    }

    [Fact]
    public void Bind_BadValue_IsNotReportedAgainByItsRules()
    {
        // A bad 'type' leaves the check without a type; "type is required" would only repeat the same problem.
        var result = _files.Load(ConfigurationFiles.ValidWith("type: tcp", "type: tpc"));

        var error = Assert.Single(result.Errors);
        Assert.Equal("components[0].checks[1].type", error.Path);
        Assert.StartsWith("must be one of", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bind_ArgsList_KeepsOrderAndEmptyItems()
    {
        var options = _files.LoadValid(ConfigurationFiles.ValidWith("command: /bin/true", "command: /bin/echo\n        args: [\"--a\", \"\", \"b c\"]"));

        Assert.Equal(["--a", "", "b c"], options.Components[1].Checks[2].Args);
    }
}
