using System.Globalization;

namespace Bulwark.Configuration;

/// <summary>
/// The semantic rules of <see cref="BulwarkOptions"/>, checked once before anything runs. Every violation is reported,
/// each with its field path (<c>components[1].checks[0].url</c>), the constraint and the offending value. Used for
/// options loaded from a file and for options built in code.
/// </summary>
internal static class BulwarkOptionsValidator
{
    private const int LowestStatus = 100;
    private const int HighestStatus = 599;
    private const int HighestPort = 65535;

    /// <summary>Fields that belong to one check type; any other type must leave them unset.</summary>
    private static readonly (string Key, CheckType Owner, Func<CheckOptions, bool> IsSet)[] TypeSpecificFields =
    [
        ("url", CheckType.Http, c => c.Url is not null),
        ("expectedStatus", CheckType.Http, c => c.ExpectedStatus is not null),
        ("bodyContains", CheckType.Http, c => c.BodyContains is not null),
        ("host", CheckType.Tcp, c => c.Host is not null),
        ("port", CheckType.Tcp, c => c.Port is not null),
        ("pidFile", CheckType.Process, c => c.PidFile is not null),
        ("processName", CheckType.Process, c => c.ProcessName is not null),
        ("staleAfterSeconds", CheckType.Heartbeat, c => c.StaleAfterSeconds is not null),
        ("command", CheckType.Command, c => c.Command is not null),
        ("args", CheckType.Command, c => c.Args.Count > 0),
        ("registration", CheckType.HealthCheck, c => c.Registration is not null),
        ("instance", CheckType.HealthCheck, c => c.Instance is not null),
    ];

    /// <summary>
    /// Returns every rule violation, or an empty list. When <paramref name="healthCheckRegistrations"/> is given (the
    /// names registered with <c>AddHealthChecks()</c>), a <c>healthCheck</c> check's <c>registration</c> must be one of
    /// them (exact, case-sensitive match).
    /// </summary>
    public static IReadOnlyList<OptionsError> Validate(BulwarkOptions options, IReadOnlyCollection<string>? healthCheckRegistrations = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<OptionsError>();

        if (!(options.AvailabilityTarget > 0 && options.AvailabilityTarget < 1))
        {
            errors.Add(new("availabilityTarget", $"must be between 0 and 1, both excluded (for example 0.999), got {Format(options.AvailabilityTarget)}"));
        }

        Duration(errors, "maxRecoveryTimeSeconds", options.MaxRecoveryTimeSeconds, Bulwark.Recovery.RecoveryLimits.MaxPlanSeconds);
        if (options.RedundancyLevel is < 1 or > 100)
        {
            errors.Add(new("redundancyLevel", $"must be between 1 and 100 (spare replicas beyond N), got {Format(options.RedundancyLevel)}"));
        }

        Duration(errors, "checkIntervalSeconds", options.CheckIntervalSeconds);
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            errors.Add(new("dataDirectory", "must not be empty"));
        }

        if (options.Components.Count == 0)
        {
            errors.Add(new("components", "at least one component is required"));
        }

        var componentNames = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Components.Count; i++)
        {
            var path = OptionsPath.Item("components", i);
            if (options.Components[i] is not { } component)
            {
                errors.Add(new(path, "must not be null"));
                continue;
            }

            ValidateComponent(errors, path, component, healthCheckRegistrations);
            if (IsValidName(component.Name))
            {
                if (componentNames.TryGetValue(component.Name, out var first))
                {
                    errors.Add(new(OptionsPath.Key(path, "name"),
                        $"duplicate component name '{component.Name}' (also components[{Format(first)}]; names are case-insensitive)"));
                }
                else
                {
                    componentNames.Add(component.Name, i);
                }
            }
        }

        ValidateAvailability(errors, options);
        FailoverOptionsValidator.Validate(errors, options);
        Bulwark.Recovery.RecoveryOptionsValidator.Validate(errors, options);
        Bulwark.Redundancy.RedundancyOptionsValidator.Validate(errors, options);
        ServerOptionsValidator.Validate(errors, options);

        // Code-built options: the gate's own rules (a file's trading section is checked when it is bound).
        if (options.Trading is { } trading)
        {
            errors.AddRange(Bulwark.Trading.RiskGateOptionsValidator.Validate(trading));
            if (options.TradingJournal is not { } journal)
            {
                errors.Add(new("trading.journal", "required (set Enabled = false to run without a journal)"));
            }
            else if (journal.Enabled)
            {
                var journalErrors = journal.Validate();
                errors.AddRange(journalErrors);
                if (journalErrors.Count == 0 && journal.Store == Bulwark.Trading.Journal.TradingJournalStoreKind.Sqlite &&
                    options.Failover?.Coordinator is { Backend: CoordinatorBackend.Sqlite } coordinator && !string.IsNullOrWhiteSpace(coordinator.Path) &&
                    !options.DataDirectory.Contains('\0', StringComparison.Ordinal) && !coordinator.Path.Contains('\0', StringComparison.Ordinal) &&
                    string.Equals(Path.GetFullPath(Path.Combine(options.DataDirectory, journal.Path)), Path.GetFullPath(Path.Combine(options.DataDirectory, coordinator.Path)), StringComparison.Ordinal))
                {
                    errors.Add(new("trading.journal.path", $"must not be the lease coordinator's file ({coordinator.Path})"));
                }
            }
        }

        return errors;
    }

    /// <summary>Component and check names: 1 to 64 letters, digits, '.', '_' or '-'.</summary>
    internal static bool IsValidName(string? name) =>
        name is { Length: > 0 and <= BulwarkDefaults.MaxNameLength } &&
        name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>Parses an expected HTTP status: <c>NNN</c> or <c>NNN-NNN</c>, codes 100 to 599, low &lt;= high.</summary>
    internal static bool TryParseStatusRange(string? text, out int low, out int high)
    {
        low = high = 0;
        if (text is null)
        {
            return false;
        }

        var parts = text.Split('-');
        if (parts.Length > 2 || !parts.All(p => p.Length == 3 && p.All(char.IsAsciiDigit)))
        {
            return false;
        }

        low = int.Parse(parts[0], CultureInfo.InvariantCulture);
        high = parts.Length == 2 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : low;
        return low is >= LowestStatus and <= HighestStatus && high is >= LowestStatus and <= HighestStatus && low <= high;
    }

    private static void ValidateAvailability(List<OptionsError> errors, BulwarkOptions options)
    {
        var subjects = options.Components.Where(c => c is not null).Select(c => c.Name).Append("system").ToHashSet(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Availability.Slos.Count; i++)
        {
            var slo = options.Availability.Slos[i];
            var path = OptionsPath.Item("availability.slos", i);
            if (string.IsNullOrEmpty(slo.Name))
            {
                errors.Add(new(OptionsPath.Key(path, "name"), "is required"));
            }
            else if (!IsValidName(slo.Name))
            {
                errors.Add(new(OptionsPath.Key(path, "name"), NameRule(slo.Name)));
            }
            else if (!names.Add(slo.Name))
            {
                errors.Add(new(OptionsPath.Key(path, "name"), $"duplicate SLO name '{slo.Name}'"));
            }

            if (slo.Components.Count > 0)
            {
                if (slo.Subject is not null)
                {
                    errors.Add(new(OptionsPath.Key(path, "components"), "give either 'subject' or 'components', not both"));
                }

                if (slo.Sli != SliKind.Time)
                {
                    errors.Add(new(OptionsPath.Key(path, "components"), "a group applies to a time SLI only"));
                }

                for (var m = 0; m < slo.Components.Count; m++)
                {
                    if (!subjects.Contains(slo.Components[m]) || slo.Components[m] == "system")
                    {
                        errors.Add(new(OptionsPath.Item(OptionsPath.Key(path, "components"), m), $"no component named '{slo.Components[m]}'"));
                    }
                }
            }
            else if (slo.Sli == SliKind.Time && (slo.Subject is null || !subjects.Contains(slo.Subject)))
            {
                errors.Add(new(OptionsPath.Key(path, "subject"), slo.Subject is null
                    ? "is required for a time SLI: 'system' or a component name"
                    : $"must be 'system' or a component name ({string.Join(", ", subjects.Order(StringComparer.Ordinal))}), got '{slo.Subject}'"));
            }

            if (slo.Objective is { } objective && !(objective > 0 && objective < 1))
            {
                errors.Add(new(OptionsPath.Key(path, "objective"), $"must be between 0 and 1, both excluded (for example 0.999), got {Format(objective)}"));
            }

            if (slo.WindowDays is { } days)
            {
                Duration(errors, OptionsPath.Key(path, "windowDays"), days, BulwarkDefaults.MaxWindowDays, "days");
            }

            if (slo.MinimumEvents is { } minimum)
            {
                if (slo.Sli != SliKind.Events)
                {
                    errors.Add(new(OptionsPath.Key(path, "minimumEvents"), "applies to an events SLI only (sli: events)"));
                }
                else if (minimum < 0)
                {
                    errors.Add(new(OptionsPath.Key(path, "minimumEvents"), $"must be 0 or more, got {Format(minimum)}"));
                }
            }
        }

        for (var i = 0; i < options.Availability.Maintenance.Count; i++)
        {
            var window = options.Availability.Maintenance[i];
            var path = OptionsPath.Item("availability.maintenance", i);
            if (window.Start is null)
            {
                errors.Add(new(OptionsPath.Key(path, "start"), "is required"));
            }

            if (window.End is null)
            {
                errors.Add(new(OptionsPath.Key(path, "end"), "is required"));
            }
            else if (window.Start is { } start && window.End <= start)
            {
                errors.Add(new(OptionsPath.Key(path, "end"), $"must be after start ({start:O}), got {window.End:O}"));
            }
        }
    }

    private static void ValidateComponent(List<OptionsError> errors, string path, ComponentOptions component, IReadOnlyCollection<string>? registrations)
    {
        if (string.IsNullOrEmpty(component.Name))
        {
            errors.Add(new(OptionsPath.Key(path, "name"), "is required"));
        }
        else if (!IsValidName(component.Name))
        {
            errors.Add(new(OptionsPath.Key(path, "name"), NameRule(component.Name)));
        }

        if (!Enum.IsDefined(component.Criticality))
        {
            errors.Add(new(OptionsPath.Key(path, "criticality"), $"must be one of critical, standard, informational, got {Format((int)component.Criticality)}"));
        }

        AtLeastOne(errors, OptionsPath.Key(path, "failureThreshold"), component.FailureThreshold);
        AtLeastOne(errors, OptionsPath.Key(path, "successThreshold"), component.SuccessThreshold);

        var checksPath = OptionsPath.Key(path, "checks");
        if (component.Checks.Count == 0)
        {
            errors.Add(new(checksPath, "at least one check is required"));
        }

        var checkNames = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < component.Checks.Count; i++)
        {
            var checkPath = OptionsPath.Item(checksPath, i);
            if (component.Checks[i] is not { } check)
            {
                errors.Add(new(checkPath, "must not be null"));
                continue;
            }

            ValidateCheck(errors, checkPath, check, registrations);

            // A check without a type and without a name has no meaningful name to compare; its type error says enough.
            if (check.Type is null && string.IsNullOrWhiteSpace(check.Name))
            {
                continue;
            }

            if (checkNames.TryGetValue(check.EffectiveName, out var first))
            {
                errors.Add(new(OptionsPath.Key(checkPath, "name"),
                    $"duplicate check name '{check.EffectiveName}' (also checks[{Format(first)}]); give each check of a component its own 'name'"));
            }
            else
            {
                checkNames.Add(check.EffectiveName, i);
            }
        }
    }

    private static void ValidateCheck(List<OptionsError> errors, string path, CheckOptions check, IReadOnlyCollection<string>? registrations)
    {
        if (!string.IsNullOrWhiteSpace(check.Name) && !IsValidName(check.Name))
        {
            errors.Add(new(OptionsPath.Key(path, "name"), NameRule(check.Name)));
        }

        if (check.IntervalSeconds is { } interval)
        {
            Duration(errors, OptionsPath.Key(path, "intervalSeconds"), interval);
        }

        if (check.TimeoutSeconds is { } timeout)
        {
            Duration(errors, OptionsPath.Key(path, "timeoutSeconds"), timeout);
        }

        if (check.Type is not { } type)
        {
            errors.Add(new(OptionsPath.Key(path, "type"), $"is required: one of {AllTypeNames()}"));
            return;
        }

        if (!Enum.IsDefined(type))
        {
            errors.Add(new(OptionsPath.Key(path, "type"), $"must be one of {AllTypeNames()}, got {Format((int)type)}"));
            return;
        }

        foreach (var (key, owner, isSet) in TypeSpecificFields)
        {
            if (owner != type && isSet(check))
            {
                errors.Add(new(OptionsPath.Key(path, key), $"{key} is not allowed for {Article(type)} {CheckOptions.TypeName(type)} check"));
            }
        }

        switch (type)
        {
            case CheckType.Http:
                ValidateHttp(errors, path, check);
                break;
            case CheckType.Tcp:
                ValidateTcp(errors, path, check);
                break;
            case CheckType.Process:
                if (string.IsNullOrWhiteSpace(check.PidFile) && string.IsNullOrWhiteSpace(check.ProcessName))
                {
                    errors.Add(new(path, "a process check needs pidFile or processName (or both)"));
                }

                break;
            case CheckType.Heartbeat:
                if (check.StaleAfterSeconds is { } staleAfter)
                {
                    Duration(errors, OptionsPath.Key(path, "staleAfterSeconds"), staleAfter);
                }

                break;
            case CheckType.Command:
                if (string.IsNullOrWhiteSpace(check.Command))
                {
                    errors.Add(new(OptionsPath.Key(path, "command"), "is required for a command check"));
                }

                break;
            case CheckType.HealthCheck:
                ValidateHealthCheck(errors, path, check, registrations);
                break;
        }
    }

    private static void ValidateHttp(List<OptionsError> errors, string path, CheckOptions check)
    {
        var urlPath = OptionsPath.Key(path, "url");
        if (string.IsNullOrWhiteSpace(check.Url))
        {
            errors.Add(new(urlPath, "is required for an http check"));
        }
        else if (!Uri.TryCreate(check.Url, UriKind.Absolute, out var uri) ||
                 (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) ||
                 uri.Host.Length == 0)
        {
            errors.Add(new(urlPath, "must be an absolute http or https URL"));
        }

        if (check.ExpectedStatus is not null && !TryParseStatusRange(check.ExpectedStatus, out _, out _))
        {
            errors.Add(new(OptionsPath.Key(path, "expectedStatus"),
                $"must be a status code or range such as 200 or 200-299, codes {LowestStatus} to {HighestStatus} and low <= high, got '{check.ExpectedStatus}'"));
        }
    }

    private static void ValidateTcp(List<OptionsError> errors, string path, CheckOptions check)
    {
        if (string.IsNullOrWhiteSpace(check.Host))
        {
            errors.Add(new(OptionsPath.Key(path, "host"), "is required for a tcp check"));
        }

        var portPath = OptionsPath.Key(path, "port");
        if (check.Port is not { } port)
        {
            errors.Add(new(portPath, "is required for a tcp check"));
        }
        else if (port is < 1 or > HighestPort)
        {
            errors.Add(new(portPath, $"must be between 1 and {Format(HighestPort)}, got {Format(port)}"));
        }
    }

    private static void ValidateHealthCheck(List<OptionsError> errors, string path, CheckOptions check, IReadOnlyCollection<string>? registrations)
    {
        var hasRegistration = !string.IsNullOrWhiteSpace(check.Registration);
        if (hasRegistration == (check.Instance is not null))
        {
            errors.Add(new(path, hasRegistration
                ? "a healthCheck check takes exactly one of registration or instance, not both"
                : "a healthCheck check needs exactly one of registration (the name of a registered health check) or instance (in code)"));
            return;
        }

        if (hasRegistration && registrations is not null && !registrations.Contains(check.Registration, StringComparer.Ordinal))
        {
            var known = registrations.Count == 0 ? "none are registered" : "registered: " + string.Join(", ", registrations.Order(StringComparer.Ordinal));
            errors.Add(new(OptionsPath.Key(path, "registration"), $"no health check is registered as '{check.Registration}' ({known})"));
        }
    }

    /// <summary>
    /// A duration: greater than 0 and at most <paramref name="max"/> (by default <see cref="BulwarkDefaults.MaxDurationSeconds"/>),
    /// the bound the code that waits on it handles.
    /// </summary>
    internal static void Duration(List<OptionsError> errors, string path, double value, double max = BulwarkDefaults.MaxDurationSeconds, string unit = "s")
    {
        if (!(value > 0) || !double.IsFinite(value))
        {
            errors.Add(new(path, $"must be greater than 0, got {Format(value)}"));
        }
        else if (value > max)
        {
            errors.Add(new(path, $"must be at most {Format(max)} {unit}, got {Format(value)}"));
        }
    }

    private static void AtLeastOne(List<OptionsError> errors, string path, int value)
    {
        if (value < 1)
        {
            errors.Add(new(path, $"must be at least 1, got {Format(value)}"));
        }
    }

    private static string NameRule(string name) =>
        $"must be 1 to {Format(BulwarkDefaults.MaxNameLength)} letters, digits, '.', '_' or '-', got '{name}'";

    private static string AllTypeNames() => string.Join(", ", Enum.GetValues<CheckType>().Select(t => CheckOptions.TypeName(t)));

    private static string Article(CheckType type) => type == CheckType.Http ? "an" : "a";

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);
}
