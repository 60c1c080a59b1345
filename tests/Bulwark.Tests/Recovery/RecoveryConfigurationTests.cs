using Bulwark.Configuration;
using Bulwark.Recovery;
using Bulwark.Tests.Configuration;

namespace Bulwark.Tests.Recovery;

/// <summary>The <c>recovery:</c> section: bound strictly, every rule with its field path, every bound value refused past what the code handles.</summary>
public sealed class RecoveryConfigurationTests : IDisposable
{
    private readonly ConfigurationFiles _files = new();

    private const string Section = """
        recovery:
          maxAutomaticRuns: 2
          processes:
            - name: web
              command: /usr/bin/sleep
              args: ["1000"]
              environment:
                PORT: "90{replica}"
              replicas: 2
              restart: never
              startLimitBurst: 3
          plans:
            - name: repair-web
              component: web
              triggers:
                - state: Failed
                  checks: 2
                - processExit: web
              steps:
                - action: restart
                  process: web
                  retries: 2
                  retryDelaySeconds: 0.5
                - parallel:
                    - action: command
                      command: /bin/true
                      timeoutSeconds: 5
                    - action: http
                      url: http://127.0.0.1:9000/reload
                      method: post
                      body: '{"all":true}'
                  onFailure: continue
                - action: clearCache
                  path: /tmp/bulwark-cache/web
                  root: /tmp/bulwark-cache
                  when:
                    states: [Failed, Critical]
                  handler:
                    action: command
                    command: /bin/true
              validation:
                deadlineSeconds: 20
              rollback:
                - action: rollbackDeployment
                  deployment: /srv/web

        """;

    [Fact]
    public void ValidSection_IsBound_AndItsProcessesBecomeComponents()
    {
        var options = _files.LoadValid(ConfigurationFiles.Valid + Section);
        var recovery = options.Recovery!;
        Assert.Equal(2, recovery.MaxAutomaticRuns);
        var web = Assert.Single(recovery.Processes);
        Assert.Equal(("web", "/usr/bin/sleep", 2, RestartPolicy.Never, 3), (web.Name, web.Command, web.Replicas, web.Restart, web.StartLimitBurst));
        Assert.Equal("90{replica}", web.Environment["PORT"]);
        var plan = Assert.Single(recovery.Plans);
        Assert.Equal((SafetyState.Failed, 2), (plan.Triggers[0].State, plan.Triggers[0].Checks));
        Assert.Equal("web", plan.Triggers[1].ProcessExit);
        Assert.Equal([RecoveryActionKind.Command, RecoveryActionKind.Http], plan.Steps[1].Parallel.Select(s => s.Action!.Value));
        Assert.Equal(StepFailure.Continue, plan.Steps[1].OnFailure);
        Assert.Equal([SafetyState.Failed, SafetyState.Critical], plan.Steps[2].When!.States);
        Assert.Equal(RecoveryActionKind.Command, plan.Steps[2].Handler!.Action);
        Assert.Equal(20, plan.Validation!.DeadlineSeconds);
        Assert.Equal("/srv/web", plan.Rollback[0].Deployment);

        // The supervised process is a component with a process check on the supervisor's pid file.
        var component = Assert.Single(options.Components, c => c.Name == "web");
        var check = Assert.Single(component.Checks);
        Assert.Equal((CheckType.Process, SupervisedComponents.CheckName), (check.Type, check.Name));
        Assert.EndsWith(Path.Combine("processes", "web.0.pid"), check.PidFile, StringComparison.Ordinal);
    }

    [Fact]
    public void ProcessOfAnExistingComponent_AddsItsCheckToThatComponent()
    {
        var options = _files.LoadValid(ConfigurationFiles.Valid + "recovery:\n  processes:\n    - {name: gateway, command: /usr/bin/sleep, args: ['1000']}\n");
        var gateway = Assert.Single(options.Components, c => c.Name == "gateway");
        Assert.Equal(["http", "tcp", SupervisedComponents.CheckName], gateway.Checks.Select(c => c.EffectiveName));
        Assert.Equal(2, options.Components.Count);
    }

    [Fact]
    public void OnlySupervisedProcesses_AreEnoughComponents()
    {
        var yaml = "dataDirectory: .bulwark\nrecovery:\n  processes:\n    - {name: web, command: /usr/bin/sleep, args: ['1000']}\n";
        Assert.Equal(["web"], _files.LoadValid(yaml).Components.Select(c => c.Name));
    }

    [Theory]
    [InlineData("maxAutomaticRuns: 2", "maxAutomaticRun: 2", "recovery.maxAutomaticRun", "did you mean 'maxAutomaticRuns'")]
    [InlineData("startLimitBurst: 3", "startLimitBurst: 3\n      stopGrace: 5", "recovery.processes[0].stopGrace", "did you mean 'stopGraceSeconds'")]
    [InlineData("      retries: 2", "      retries: 2\n          retry: 1", "recovery.plans[0].steps[0].retry", "unknown key")]
    [InlineData("restart: never", "restart: sometimes", "recovery.processes[0].restart", "one of on-failure, always, never")]
    [InlineData("replicas: 2", "replicas: two", "recovery.processes[0].replicas", "whole number")]
    [InlineData("retryDelaySeconds: 0.5", "retryDelaySeconds: NaN", "recovery.plans[0].steps[0].retryDelaySeconds", "must be a number, got 'NaN'")]
    [InlineData("retryDelaySeconds: 0.5", "retryDelaySeconds:", "recovery.plans[0].steps[0].retryDelaySeconds", "got an empty value")]
    [InlineData("command: /usr/bin/sleep", "command: ''", "recovery.processes[0].command", "must not be empty")]
    [InlineData("action: restart", "action: reboot", "recovery.plans[0].steps[0].action", "one of restart, systemctl, command")]
    [InlineData("state: Failed", "state: Broken", "recovery.plans[0].triggers[0].state", "one of Failed")]
    [InlineData("args: [\"1000\"]", "args: {a: b}", "recovery.processes[0].args", "must be a list")]
    [InlineData("maxAutomaticRuns: 2", "maxAutomaticRuns: [2]", "recovery.maxAutomaticRuns", "single value, got a list")]
    public void Binding_RefusesWhatItCannotRead(string find, string replacement, string path, string message) =>
        _files.LoadSingleError(ConfigurationFiles.Valid + ConfigurationFiles.Change(Section, find, replacement), path, message);

    [Theory]
    [InlineData("replicas: 2", "replicas: 0", "recovery.processes[0].replicas", "from 1 to 64")]
    [InlineData("replicas: 2", "replicas: 100000", "recovery.processes[0].replicas", "from 1 to 64")]
    [InlineData("startLimitBurst: 3", "startLimitBurst: 3\n      restartDelaySeconds: 1e300", "recovery.processes[0].restartDelaySeconds", "at most 3600")]
    [InlineData("startLimitBurst: 3", "startLimitBurst: 3\n      startLimitIntervalSeconds: 4400000", "recovery.processes[0].startLimitIntervalSeconds", "at most 2592000")]
    [InlineData("startLimitBurst: 3", "startLimitBurst: 3\n      restartJitter: 1", "recovery.processes[0].restartJitter", "fraction")]
    [InlineData("startLimitBurst: 3", "startLimitBurst: 3\n      stopSignal: SIGNOPE", "recovery.processes[0].stopSignal", "one of SIGHUP")]
    [InlineData("startLimitBurst: 3", "startLimitBurst: 3\n      restartDelaySeconds: 5\n      maxRestartDelaySeconds: 1", "recovery.processes[0].maxRestartDelaySeconds", "at least restartDelaySeconds")]
    [InlineData("startLimitBurst: 3", "startLimitBurst: 0", "recovery.processes[0].startLimitBurst", "from 1 to 1000")]
    [InlineData("retries: 2", "retries: 50", "recovery.plans[0].steps[0].retries", "from 0 to 20")]
    [InlineData("timeoutSeconds: 5", "timeoutSeconds: 61", "recovery.plans[0].steps[1].parallel[0].timeoutSeconds", "at most 60")]
    [InlineData("timeoutSeconds: 5", "timeoutSeconds: -1", "recovery.plans[0].steps[1].parallel[0].timeoutSeconds", "greater than 0")]
    [InlineData("deadlineSeconds: 20", "deadlineSeconds: 0", "recovery.plans[0].validation.deadlineSeconds", "greater than 0")]
    [InlineData("maxAutomaticRuns: 2", "maxAutomaticRuns: 0", "recovery.maxAutomaticRuns", "from 1 to 1000")]
    [InlineData("component: web", "component: nothing", "recovery.plans[0].component", "no component named 'nothing'")]
    [InlineData("- processExit: web", "- processExit: db", "recovery.plans[0].triggers[1].processExit", "no supervised process named 'db'")]
    [InlineData("restart: never", "restart: on-failure", "recovery.plans[0].triggers[1].processExit", "set its restart to never")]
    [InlineData("checks: 2", "checks: 2\n          processExit: web", "recovery.plans[0].triggers[0]", "set only one of")]
    [InlineData("- state: Failed\n          checks: 2", "- checks: 2", "recovery.plans[0].triggers[0]", "set one of state")]
    [InlineData("- processExit: web", "- alert: latency", "recovery.plans[0].triggers[1].alert", "no SLO named 'latency'")]
    [InlineData("- processExit: web", "- failover: engines", "recovery.plans[0].triggers[1].failover", "no failover group named 'engines'")]
    [InlineData("state: Failed", "state: Healthy", "recovery.plans[0].triggers[0].state", "must be one of Failed, Critical")]
    [InlineData("state: Failed", "state: Failed\n          component: gateway\n          incident: true", "recovery.plans[0].triggers[0]", "set only one of")]
    [InlineData("      process: web\n          retries", "      process: db\n          retries", "recovery.plans[0].steps[0].process", "no supervised process named 'db'")]
    [InlineData("      process: web\n          retries", "      retries", "recovery.plans[0].steps[0].process", "is required")]
    [InlineData("url: http://127.0.0.1:9000/reload", "url: ftp://127.0.0.1/reload", "recovery.plans[0].steps[1].parallel[1].url", "absolute http or https URL")]
    [InlineData("method: post", "method: fetch", "recovery.plans[0].steps[1].parallel[1].method", "one of GET")]
    [InlineData("command: /bin/true\n              timeoutSeconds", "command: /bin/true\n              url: http://x\n              timeoutSeconds", "recovery.plans[0].steps[1].parallel[0].url", "does not belong to a command step")]
    [InlineData("path: /tmp/bulwark-cache/web", "path: /etc", "recovery.plans[0].steps[2].path", "must lie inside root")]
    [InlineData("path: /tmp/bulwark-cache/web", "path: /tmp/bulwark-cache/../../etc", "recovery.plans[0].steps[2].path", "must lie inside root")]
    [InlineData("states: [Failed, Critical]", "states: [Failed]\n            command: /bin/true", "recovery.plans[0].steps[2].when", "exactly one")]
    [InlineData("deployment: /srv/web", "deployment: /srv/web\n          release: ../etc", "recovery.plans[0].rollback[0].release", "name of a directory")]
    [InlineData("- action: rollbackDeployment\n          deployment: /srv/web", "- action: scale\n          process: web", "recovery.plans[0].rollback[0].replicas", "required for a scale step")]
    [InlineData("      steps:\n        - action: restart", "      steps:\n        - name: x\n        - action: restart", "recovery.plans[0].steps[0].action", "is required")]
    public void Validation_NamesTheField(string find, string replacement, string path, string message) =>
        _files.LoadSingleError(ConfigurationFiles.Valid + ConfigurationFiles.Change(Section, find, replacement), path, message);

    [Fact]
    public void NestedParallelGroups_AreRefused()
    {
        var yaml = ConfigurationFiles.Change(Section, "            - action: command\n              command: /bin/true\n              timeoutSeconds: 5\n",
            "            - parallel:\n                - {action: command, command: /bin/true}\n");
        _files.LoadSingleError(ConfigurationFiles.Valid + yaml, "recovery.plans[0].steps[1].parallel[0].parallel", "do not nest");
    }

    [Fact]
    public void BadProcessName_IsNamed_AndSoAreTheReferencesItBreaks()
    {
        var result = _files.Load(ConfigurationFiles.Valid + ConfigurationFiles.Change(Section, "    - name: web\n", "    - name: 'web server'\n"));
        Assert.Contains(result.Errors, e => e.Path == "recovery.processes[0].name" && e.Message.Contains("letters, digits", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Path == "recovery.plans[0].steps[0].process" && e.Message.Contains("no supervised process named 'web'", StringComparison.Ordinal));
    }

    [Fact]
    public void ProcessesAsAValue_IsNotAList() =>
        _files.LoadSingleError(ConfigurationFiles.Valid + "recovery:\n  processes: web\n", "recovery.processes", "must be a list");

    [Fact]
    public void PlanNamedLikeARestartPolicyPlan_IsRefused()
    {
        var yaml = ConfigurationFiles.Change(ConfigurationFiles.Change(Section, "restart: never", "restart: always"), "- name: repair-web", "- name: restart-web");
        var result = _files.Load(ConfigurationFiles.Valid + yaml);
        Assert.Contains(result.Errors, e => e.Path == "recovery.plans[0].name" && e.Message.Contains("restart plan of process 'web'", StringComparison.Ordinal));
    }

    [Fact]
    public void HugeMaxRecoveryTime_IsRefusedWhenPlansRunWithinIt()
    {
        var yaml = ConfigurationFiles.Change(ConfigurationFiles.Valid, "maxRecoveryTimeSeconds: 60", "maxRecoveryTimeSeconds: 1e12") + "recovery:\n  maxAutomaticRuns: 3\n";
        _files.LoadSingleError(yaml, "maxRecoveryTimeSeconds", "at most 86400");
    }

    [Fact]
    public void EveryErrorIsReportedAtOnce()
    {
        var yaml = ConfigurationFiles.Change(ConfigurationFiles.Change(Section, "replicas: 2", "replicas: 0"), "retries: 2", "retries: -1");
        var result = _files.Load(ConfigurationFiles.Valid + yaml);
        Assert.Equal(["recovery.plans[0].steps[0].retries", "recovery.processes[0].replicas"], result.Errors.Select(e => e.Path));
    }

    [Fact]
    public void CodeBuiltOptions_AreValidatedByTheSameRules()
    {
        var options = new BulwarkOptions { Recovery = new RecoveryOptions() };
        options.Recovery.Processes.Add(new SupervisedProcessOptions { Name = "web", Command = "", RestartDelaySeconds = double.NaN });
        var error = Assert.Throws<BulwarkOptionsException>(() => SafetySystem.Create(options));
        Assert.Contains(error.Errors, e => e.Path == "recovery.processes[0].command");
        Assert.Contains(error.Errors, e => e.Path == "recovery.processes[0].restartDelaySeconds");
    }

    public void Dispose() => _files.Dispose();
}
