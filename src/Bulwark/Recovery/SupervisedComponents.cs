namespace Bulwark.Recovery;

/// <summary>
/// Makes every supervised process a component: the component of its name gets a <c>process</c> check named
/// <see cref="CheckName"/> on the supervisor's pid file; a process with no component of its name gets one (its
/// criticality, the default thresholds). Idempotent: options already merged are left as they are.
/// </summary>
internal static class SupervisedComponents
{
    public const string CheckName = "supervisor";

    public static void AddTo(BulwarkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Recovery is not { } recovery)
        {
            return;
        }

        foreach (var process in recovery.Processes)
        {
            if (process is null || !Configuration.BulwarkOptionsValidator.IsValidName(process.Name))
            {
                continue;
            }

            var component = options.Components.FirstOrDefault(c => c is not null && c.Name == process.Name);
            if (component is null)
            {
                component = new ComponentOptions { Name = process.Name, Criticality = process.Criticality };
                options.Components.Add(component);
            }

            if (!component.Checks.Any(IsSupervisorCheck))
            {
                component.Checks.Add(new CheckOptions
                {
                    Type = CheckType.Process,
                    Name = CheckName,
                    PidFile = ProcessSupervisor.PidFile(options.DataDirectory, process.Name, 0),
                });
            }
        }
    }

    /// <summary>True for the check this class adds (the probe that runs it asks the supervisor for every replica).</summary>
    public static bool IsSupervisorCheck(CheckOptions check) =>
        check is { Type: CheckType.Process, Name: CheckName, PidFile: { } pidFile } && pidFile.Contains(Path.DirectorySeparatorChar + RecoveryPaths.Folder + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
