using System.Diagnostics;
using System.Text;
using Bulwark.Availability;
using Bulwark.Tests.TestSupport;

namespace Bulwark.Tests.Availability;

/// <summary>The generated rules, checked by the real promtool (Debian package prometheus).</summary>
public sealed class PrometheusRulesTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private static readonly SloDefinition Web = new("web", "web", 0.999, TimeSpan.FromDays(30));

    [Fact]
    public async Task GeneratedRules_PassPromtoolCheck()
    {
        var options = new BulwarkOptions();
        options.Components.Add(new ComponentOptions { Name = "order-gateway", Criticality = Criticality.Critical });
        options.Components.Add(new ComponentOptions { Name = "reports", Criticality = Criticality.Standard });
        var slos = SloDefinition.Defaults(options).Append(
            new SloDefinition("trading-path", "group:trading-path", 0.9995, TimeSpan.FromDays(7)) { Members = ["order-gateway", "reports"] });
        var rules = PrometheusRules.Generate(slos.ToArray());
        await File.WriteAllTextAsync(_dir.File("rules.yaml"), rules);

        var (exit, output) = await PromtoolAsync("check", "rules", _dir.File("rules.yaml"));
        Assert.True(exit == 0, output);
        Assert.Contains("SUCCESS: 30 rules found", output); // three SLOs: 8 recording + 2 alerting rules each
        Assert.Contains("component=~\"order-gateway|reports\"", rules);
    }

    [Fact]
    public async Task PromtoolTest_PageFiresAt15xBurn_OnlyTheTicketAt5x_AndUnknownSamplesDoNotCount()
    {
        await File.WriteAllTextAsync(_dir.File("rules.yaml"), PrometheusRules.Generate([Web]));

        // Samples every 0.5 s, 3 bad in every 200: any 5 m (600 samples) or 1 h (7,200) window holds exactly 1.5 %
        // bad, a burn of 15 (the page factor is 14.4).
        var burning15x = Repeat("5x65 0 5x64 0 5x65 0 ", 39);
        // One second in two hundred bad: burn 5 (under both page factors 14.4 and 6, over the ticket factors 3 and 1).
        var slow = Repeat("5x198 0 ", 20);
        // Unknown (2) for 55 minutes, then 10 minutes of the 1-in-60 pattern. Unknown seconds are dropped, so every
        // window burns 16.7 and the page fires; were they counted as good, the 1 h window would burn 2.8 and the
        // 30 m one 5.6, and nothing would page.
        var mostlyUnknown = "2x3299 " + Repeat("5x58 0 ", 10);
        // Two files, because promtool's evaluation interval is global and evaluating every 0.5 s costs four times
        // what every 1 s does over 65 minutes of data: only the 0.5 s series needs the finer step.
        var fine = TestFile("500ms");
        AppendCase(fine, burning15x, "65m", ["page", "ticket"], interval: "500ms");
        var coarse = TestFile("1s");
        AppendCase(coarse, slow, "65m", ["ticket"]);
        AppendCase(coarse, mostlyUnknown, "65m", ["page", "ticket"]);
        await File.WriteAllTextAsync(_dir.File("rules_test_fine.yaml"), fine.ToString());
        await File.WriteAllTextAsync(_dir.File("rules_test_coarse.yaml"), coarse.ToString());

        foreach (var file in new[] { "rules_test_fine.yaml", "rules_test_coarse.yaml" })
        {
            var (exit, output) = await PromtoolAsync("test", "rules", _dir.File(file));
            Assert.True(exit == 0, file + ": " + output);
            Assert.Contains("SUCCESS", output);
        }
    }

    private static StringBuilder TestFile(string evaluationInterval)
    {
        var test = new StringBuilder();
        test.AppendLine("rule_files: [rules.yaml]");
        test.AppendLine($"evaluation_interval: {evaluationInterval}");
        test.AppendLine("tests:");
        return test;
    }

    private static void AppendCase(StringBuilder test, string values, string evalTime, string[] severities, string interval = "1s")
    {
        test.AppendLine($"  - interval: {interval}");
        test.AppendLine("    input_series:");
        test.AppendLine("      - series: 'bulwark_component_state{component=\"web\"}'");
        test.AppendLine($"        values: '{values.Trim()}'");
        test.AppendLine("    alert_rule_test:");
        test.AppendLine($"      - eval_time: {evalTime}");
        test.AppendLine($"        alertname: {PrometheusRules.AlertName}");
        test.AppendLine("        exp_alerts:");
        foreach (var severity in severities)
        {
            test.AppendLine("          - exp_labels:");
            test.AppendLine($"              severity: {severity}");
            test.AppendLine("              slo: web");
            test.AppendLine("            exp_annotations:");
            test.AppendLine($"              summary: 'SLO web (99.9% over 30d) is burning its error budget ({severity})'");
        }
    }

    private static string Repeat(string pattern, int times) => string.Concat(Enumerable.Repeat(pattern, times));

    private async Task<(int ExitCode, string Output)> PromtoolAsync(params string[] args)
    {
        const string promtool = "/usr/bin/promtool";
        Assert.True(File.Exists(promtool), $"{promtool} is missing: install the Debian package 'prometheus' (scripts/test.sh does)");
        var info = new ProcessStartInfo(promtool) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _dir.Path };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // A guard against a hung promtool, not a performance target: a loaded 2-core CI machine has taken 2 minutes.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"promtool {string.Join(' ', args)} did not finish in 8 minutes");
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    public void Dispose() => _dir.Dispose();
}
