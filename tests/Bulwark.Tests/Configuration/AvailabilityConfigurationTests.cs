namespace Bulwark.Tests.Configuration;

/// <summary>The <c>availability:</c> section: one test per rule, each naming its field.</summary>
public sealed class AvailabilityConfigurationTests : IDisposable
{
    private readonly ConfigurationFiles _files = new();

    private const string Section = """
        availability:
          slos:
            - name: gateway-uptime
              subject: gateway
              objective: 0.9995
              windowDays: 7
            - name: order-acks
              sli: events
              minimumEvents: 20
          maintenance:
            - start: 2026-11-28T22:00:00Z
              end: 2026-11-28T23:30:00Z
              reason: venue upgrade

        """;

    [Fact]
    public void ValidSection_IsBound()
    {
        var options = _files.LoadValid(ConfigurationFiles.Valid + Section);
        Assert.Equal(["gateway-uptime", "order-acks"], options.Availability.Slos.Select(s => s.Name));
        Assert.Equal(0.9995, options.Availability.Slos[0].Objective);
        Assert.Equal(7, options.Availability.Slos[0].WindowDays);
        Assert.Equal(SliKind.Events, options.Availability.Slos[1].Sli);
        Assert.Equal(20, options.Availability.Slos[1].MinimumEvents);
        var window = Assert.Single(options.Availability.Maintenance);
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 22, 0, 0, TimeSpan.Zero), window.Start);
        Assert.Equal("venue upgrade", window.Reason);

        var slos = Bulwark.Availability.SloDefinition.FromOptions(options);
        Assert.Equal(TimeSpan.FromDays(7), slos[0].Window);
        Assert.Equal("order-acks", slos[1].Subject);       // an events SLO is its own subject
        Assert.Equal(0.999, slos[1].Objective);            // defaults to availabilityTarget
    }

    [Theory]
    [InlineData("name: gateway-uptime", "name: ''", "availability.slos[0].name", "must not be empty")]
    [InlineData("name: gateway-uptime", "name: 'bad name'", "availability.slos[0].name", "bad name")]
    [InlineData("name: order-acks", "name: gateway-uptime", "availability.slos[1].name", "duplicate SLO name")]
    [InlineData("subject: gateway", "subject: gatewya", "availability.slos[0].subject", "got 'gatewya'")]
    [InlineData("      subject: gateway\n", "", "availability.slos[0].subject", "is required for a time SLI")]
    [InlineData("objective: 0.9995", "objective: 1", "availability.slos[0].objective", "between 0 and 1")]
    [InlineData("windowDays: 7", "windowDays: 0", "availability.slos[0].windowDays", "greater than 0")]
    [InlineData("windowDays: 7", "windowDays: 7\n      minimumEvents: 5", "availability.slos[0].minimumEvents", "events SLI only")]
    [InlineData("minimumEvents: 20", "minimumEvents: -1", "availability.slos[1].minimumEvents", "0 or more")]
    [InlineData("    - start: 2026-11-28T22:00:00Z\n", "    - reason: none\n", "availability.maintenance[0].start", "is required")]
    [InlineData("      end: 2026-11-28T23:30:00Z\n", "", "availability.maintenance[0].end", "is required")]
    [InlineData("end: 2026-11-28T23:30:00Z", "end: 2026-11-28T21:00:00Z", "availability.maintenance[0].end", "must be after start")]
    [InlineData("start: 2026-11-28T22:00:00Z", "start: 2026-11-28T22:00:00", "availability.maintenance[0].start", "with its offset")]
    [InlineData("slos:", "slo:", "availability.slo", "unknown key")]
    [InlineData("      subject: gateway\n", "      components: [gateway, strategy, ghost]\n", "availability.slos[0].components[2]", "no component named 'ghost'")]
    [InlineData("      subject: gateway\n", "      subject: gateway\n      components: [gateway]\n", "availability.slos[0].components", "not both")]
    [InlineData("      sli: events\n", "      sli: events\n      components: [gateway]\n", "availability.slos[1].components", "a group applies to a time SLI only")]
    public void EachRule_NamesItsField(string find, string replacement, string path, string message)
    {
        var yaml = ConfigurationFiles.Valid + Section.Replace(find, replacement, StringComparison.Ordinal);
        if (find == "    - start: 2026-11-28T22:00:00Z\n")
        {
            yaml = yaml.Replace("      reason: venue upgrade\n", "", StringComparison.Ordinal);
        }

        _files.LoadSingleError(yaml, path, message);
    }

    [Fact]
    public void GroupSlo_IsBound()
    {
        var options = _files.LoadValid(ConfigurationFiles.Valid + Section.Replace("      subject: gateway\n", "      components: [gateway, strategy]\n", StringComparison.Ordinal));
        var group = Bulwark.Availability.SloDefinition.FromOptions(options)[0];
        Assert.Equal(["gateway", "strategy"], group.Members);
        Assert.Equal("group:gateway-uptime", group.Subject);
    }

    [Fact]
    public void UnknownSli_IsNamed_AndTheRulesOfTheDefaultSliFollow()
    {
        var result = _files.Load(ConfigurationFiles.Valid + Section.Replace("sli: events", "sli: requests", StringComparison.Ordinal));
        Assert.Null(result.Options);
        Assert.Contains(result.Errors, e => e.Path == "availability.slos[1].sli" && e.Message.Contains("got 'requests'", StringComparison.Ordinal));
    }

    public void Dispose() => _files.Dispose();
}
