using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Bulwark.Configuration;

/// <summary>
/// Binds <see cref="BulwarkOptions"/> from configuration strictly and by hand. ConfigurationBinder stops at the first bad
/// value and ignores keys it does not know; in safety configuration a typo must not silently weaken a check, so here every
/// key must be known, every value must parse, and every problem is collected with its field path.
/// </summary>
internal sealed class BulwarkOptionsBinder
{
    private static readonly (string Name, Criticality Value)[] CriticalityNames =
    [
        ("critical", Criticality.Critical),
        ("standard", Criticality.Standard),
        ("informational", Criticality.Informational),
    ];

    private static readonly (string Name, CheckType Value)[] CheckTypeNames =
        Enum.GetValues<CheckType>().Select(t => (CheckOptions.TypeName(t), t)).ToArray();

    private static readonly (string Name, SliKind Value)[] SliNames = [("time", SliKind.Time), ("events", SliKind.Events)];

    private static readonly Key<AvailabilityOptions>[] AvailabilityKeys =
    [
        new("slos", (b, n, a) => b.List(n, a.Slos, b.Slo)),
        new("maintenance", (b, n, a) => b.List(n, a.Maintenance, b.Maintenance)),
    ];

    private static readonly Key<SloOptions>[] SloKeys =
    [
        new("name", (b, n, s) => b.Text(n, v => s.Name = v ?? "")),
        new("subject", (b, n, s) => b.Text(n, v => s.Subject = v)),
        new("components", (b, n, s) => b.List(n, s.Components, b.ListText)),
        new("objective", (b, n, s) => b.Number(n, v => s.Objective = v)),
        new("windowDays", (b, n, s) => b.Number(n, v => s.WindowDays = v)),
        new("sli", (b, n, s) => b.Choice(n, SliNames, v => s.Sli = v)),
        new("minimumEvents", (b, n, s) => b.Integer(n, v => s.MinimumEvents = v)),
    ];

    private static readonly Key<MaintenanceWindowOptions>[] MaintenanceKeys =
    [
        new("start", (b, n, m) => b.Time(n, v => m.Start = v)),
        new("end", (b, n, m) => b.Time(n, v => m.End = v)),
        new("reason", (b, n, m) => b.Text(n, v => m.Reason = v)),
    ];

    private static readonly (string Name, CoordinatorBackend Value)[] BackendNames =
        [("sqlite", CoordinatorBackend.Sqlite), ("postgresql", CoordinatorBackend.PostgreSql), ("etcd", CoordinatorBackend.Etcd)];

    private static readonly (string Name, bool Value)[] BooleanNames = [("true", true), ("false", false)];

    private static readonly (string Name, Failover.Routing.FailoverStrategy Value)[] StrategyNames =
    [
        ("active-passive", Failover.Routing.FailoverStrategy.ActivePassive),
        ("active-active", Failover.Routing.FailoverStrategy.ActiveActive),
        ("load-balanced", Failover.Routing.FailoverStrategy.LoadBalanced),
        ("circuit-breaker", Failover.Routing.FailoverStrategy.CircuitBreaker),
    ];

    private static readonly (string Name, Trading.TradingState Value)[] DegradedStateNames =
        [("reducing", Trading.TradingState.Reducing), ("halted", Trading.TradingState.Halted)];

    private static readonly Key<FailoverReplicaOptions>[] ReplicaKeys =
    [
        new("name", (b, n, r) => b.Text(n, v => r.Name = v ?? "")),
        new("address", (b, n, r) => b.Text(n, v => r.Address = v ?? "")),
        new("weight", (b, n, r) => b.Number(n, v => r.Weight = v)),
    ];

    private static readonly Key<FailoverCoordinatorOptions>[] CoordinatorKeys =
    [
        new("backend", (b, n, c) => b.Choice(n, BackendNames, v => c.Backend = v)),
        new("path", (b, n, c) => b.Text(n, v => c.Path = v ?? "")),
        new("connectionString", (b, n, c) => b.Text(n, v => c.ConnectionString = v)),
        new("endpoints", (b, n, c) => b.Text(n, v => c.Endpoints = v)),
        new("shareKillSwitch", (b, n, c) => b.Choice(n, BooleanNames, v => c.ShareKillSwitch = v)),
    ];

    private static readonly Key<FailoverGroupOptions>[] FailoverGroupKeys =
    [
        new("name", (b, n, g) => b.Text(n, v => g.Name = v ?? "")),
        new("trading", (b, n, g) => b.Choice(n, BooleanNames, v => g.Trading = v)),
        new("observe", (b, n, g) => b.Choice(n, BooleanNames, v => g.Observe = v)),
        new("strategy", (b, n, g) => b.Choice(n, StrategyNames, v => g.Strategy = v)),
        new("replicas", (b, n, g) => b.List(n, g.Replicas, b.Replica)),
        new("requiredHealthy", (b, n, g) => b.Integer(n, v => g.RequiredHealthy = v)),
        new("belowCapacity", (b, n, g) => b.Choice(n, DegradedStateNames, v => g.BelowCapacity = v)),
        new("leaseSeconds", (b, n, g) => b.Number(n, v => g.LeaseSeconds = v)),
        new("renewIntervalSeconds", (b, n, g) => b.Number(n, v => g.RenewIntervalSeconds = v)),
        new("retryIntervalSeconds", (b, n, g) => b.Number(n, v => g.RetryIntervalSeconds = v)),
        new("safetyMarginSeconds", (b, n, g) => b.Number(n, v => g.SafetyMarginSeconds = v)),
    ];

    private static readonly Key<FailoverOptions>[] FailoverKeys =
    [
        new("replica", (b, n, f) => b.Text(n, v => f.Replica = v ?? "")),
        new("coordinator", (b, n, f) => b.Object(n, f.Coordinator, CoordinatorKeys)),
        new("groups", (b, n, f) => b.List(n, f.Groups, b.FailoverGroup)),
    ];

    private static readonly Key<BulwarkOptions>[] RootKeys =
    [
        new("availabilityTarget", (b, n, o) => b.Number(n, v => o.AvailabilityTarget = v)),
        new("maxRecoveryTimeSeconds", (b, n, o) => b.Number(n, v => o.MaxRecoveryTimeSeconds = v)),
        new("redundancyLevel", (b, n, o) => b.Integer(n, v => o.RedundancyLevel = v)),
        new("checkIntervalSeconds", (b, n, o) => b.Number(n, v => o.CheckIntervalSeconds = v)),
        new("dataDirectory", (b, n, o) => b.Text(n, v => o.DataDirectory = v ?? "")),
        new("components", (b, n, o) => b.List(n, o.Components, b.Component)),
        new("availability", (b, n, o) => b.Object(n, o.Availability, AvailabilityKeys)),
        new("failover", (b, n, o) => b.Object(n, o.Failover ??= new FailoverOptions(), FailoverKeys)),
    ];

    private static readonly Key<ComponentOptions>[] ComponentKeys =
    [
        new("name", (b, n, c) => b.Text(n, v => c.Name = v ?? "")),
        new("criticality", (b, n, c) => b.Choice(n, CriticalityNames, v => c.Criticality = v)),
        new("failureThreshold", (b, n, c) => b.Integer(n, v => c.FailureThreshold = v)),
        new("successThreshold", (b, n, c) => b.Integer(n, v => c.SuccessThreshold = v)),
        new("checks", (b, n, c) => b.List(n, c.Checks, b.Check)),
    ];

    private static readonly Key<CheckOptions>[] CheckKeys =
    [
        new("type", (b, n, c) => b.Choice(n, CheckTypeNames, v => c.Type = v)),
        new("name", (b, n, c) => b.Text(n, v => c.Name = v)),
        new("intervalSeconds", (b, n, c) => b.Number(n, v => c.IntervalSeconds = v)),
        new("timeoutSeconds", (b, n, c) => b.Number(n, v => c.TimeoutSeconds = v)),
        new("url", (b, n, c) => b.Text(n, v => c.Url = v)),
        new("expectedStatus", (b, n, c) => b.Text(n, v => c.ExpectedStatus = v)),
        new("bodyContains", (b, n, c) => b.Text(n, v => c.BodyContains = v)),
        new("host", (b, n, c) => b.Text(n, v => c.Host = v)),
        new("port", (b, n, c) => b.Integer(n, v => c.Port = v)),
        new("pidFile", (b, n, c) => b.Text(n, v => c.PidFile = v)),
        new("processName", (b, n, c) => b.Text(n, v => c.ProcessName = v)),
        new("staleAfterSeconds", (b, n, c) => b.Number(n, v => c.StaleAfterSeconds = v)),
        new("command", (b, n, c) => b.Text(n, v => c.Command = v)),
        new("args", (b, n, c) => b.List(n, c.Args, b.ListText)),
        new("registration", (b, n, c) => b.Text(n, v => c.Registration = v)),
        new("instance", (b, n, _) => b.Error(n, "can only be set in code; in a file, name a registered health check with 'registration'")),
    ];

    private const string EmptyValue = "must not be empty: a value that is empty, ~ or null is refused (leave the key out for its default)";
    private const string EmptySection = "must not be empty: give its keys, or leave it out";
    private const string EmptyList = "must not be empty: give its items, or leave it out";

    private readonly List<OptionsError> _errors = [];
    private readonly Dictionary<string, string> _displayPaths = new(StringComparer.OrdinalIgnoreCase);
    private readonly IConfigurationProvider? _file;

    private BulwarkOptionsBinder(IConfigurationProvider? file) => _file = file;

    /// <summary>The options as far as they could be bound; meaningful only when <see cref="Errors"/> is empty.</summary>
    public BulwarkOptions Options { get; } = new();

    /// <summary>Every binding error, in the order the keys were visited.</summary>
    public IReadOnlyList<OptionsError> Errors => _errors;

    /// <summary>
    /// Binds <paramref name="configuration"/>. <paramref name="file"/> is the provider of the user's file: paths keep the
    /// casing written there. Keys that exist only elsewhere (environment) are shown in camelCase.
    /// </summary>
    public static BulwarkOptionsBinder Bind(IConfiguration configuration, IConfigurationProvider? file = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var binder = new BulwarkOptionsBinder(file);
        binder.Object(new Node(configuration, "", ""), binder.Options, RootKeys, BulwarkConfiguration.DelegatedSections);
        return binder;
    }

    /// <summary>
    /// Rewrites a path in camelCase (as <see cref="BulwarkOptionsValidator"/> writes them) with the casing the user wrote,
    /// so binding and validation errors name a field the same way.
    /// </summary>
    public string DisplayPath(string canonicalPath)
    {
        for (var end = canonicalPath.Length; end > 0; end--)
        {
            if ((end == canonicalPath.Length || canonicalPath[end] is '.' or '[') &&
                _displayPaths.TryGetValue(canonicalPath[..end], out var display))
            {
                return display + canonicalPath[end..];
            }
        }

        return canonicalPath;
    }

    private void Object<T>(Node node, T target, Key<T>[] keys, IReadOnlyCollection<string>? delegated = null)
    {
        if (!string.IsNullOrEmpty(node.Value))
        {
            Error(node, $"must be a section of keys ({string.Join(", ", keys.Select(k => k.Name))}), got '{node.Value}'");
            return;
        }

        if (IsEmpty(node))
        {
            Error(node, EmptySection);
            return;
        }

        foreach (var child in node.Configuration.GetChildren())
        {
            var key = Array.Find(keys, k => string.Equals(k.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            var display = OptionsPath.Key(node.Path, FileCasing(node, child.Key) ?? key?.Name ?? child.Key);
            if (node.Path.Length == 0 && BulwarkConfiguration.NotBuilt(child.Key) is { } notBuilt)
            {
                Error(Visit(child, display, child.Key), notBuilt);
                continue;
            }

            if (key is null && delegated?.Contains(child.Key, StringComparer.OrdinalIgnoreCase) == true)
            {
                // Read by its own binder, which sees only a section with keys: an empty or scalar one would mean no section.
                var section = Visit(child, display, child.Key);
                if (!string.IsNullOrEmpty(section.Value))
                {
                    Error(section, $"must be a section of keys, got '{section.Value}'");
                }
                else if (IsEmpty(section))
                {
                    Error(section, EmptySection);
                }

                continue;
            }

            var canonical = OptionsPath.Key(node.CanonicalPath, key?.Name ?? child.Key);
            var childNode = Visit(child, display, canonical);
            if (key is null)
            {
                var suggestion = Suggest(child.Key, keys);
                Error(childNode, suggestion is null ? "unknown key" : $"unknown key (did you mean '{suggestion}'?)");
                continue;
            }

            key.Bind(this, childNode, target);
        }
    }

    private void List<T>(Node node, ICollection<T> target, Func<Node, T?> item)
        where T : class
    {
        if (!string.IsNullOrEmpty(node.Value))
        {
            Error(node, $"must be a list, got '{node.Value}'");
            return;
        }

        if (IsEmpty(node))
        {
            Error(node, EmptyList);
            return;
        }

        var children = node.Configuration.GetChildren().ToList();
        var items = new List<(int Index, IConfigurationSection Section)>();
        foreach (var child in children)
        {
            if (!OptionsPath.IsIndex(child.Key, out var index))
            {
                Error(node, $"must be a list (YAML '- ' items), got a section with key '{child.Key}'");
                return;
            }

            items.Add((index, child));
        }

        items.Sort((a, b) => a.Index.CompareTo(b.Index));
        for (var position = 0; position < items.Count; position++)
        {
            var (index, section) = items[position];
            var childNode = Visit(section, OptionsPath.Item(node.Path, index), OptionsPath.Item(node.CanonicalPath, index));
            if (index != position)
            {
                // Only an environment override can leave a gap: it most likely meant an item that does not exist.
                Error(childNode, $"list items must be numbered from 0 without gaps; expected index {position}");
                continue;
            }

            if (item(childNode) is { } value)
            {
                target.Add(value);
            }
        }
    }

    private ComponentOptions? Component(Node node)
    {
        var component = new ComponentOptions();
        Object(node, component, ComponentKeys);
        return component;
    }

    private CheckOptions? Check(Node node)
    {
        var check = new CheckOptions();
        Object(node, check, CheckKeys);
        return check;
    }

    private string? ListText(Node node)
    {
        // A quoted "" is a real item (an empty argument); ~, null or nothing at all is not.
        if (node.Value is null && !node.Configuration.GetChildren().Any())
        {
            Error(node, EmptyValue);
            return null;
        }

        string? text = null;
        Text(node, v => text = v ?? "", allowEmpty: true);
        return text;
    }

    private SloOptions Slo(Node node)
    {
        var slo = new SloOptions();
        Object(node, slo, SloKeys);
        return slo;
    }

    private FailoverReplicaOptions Replica(Node node)
    {
        var replica = new FailoverReplicaOptions();
        Object(node, replica, ReplicaKeys);
        return replica;
    }

    private FailoverGroupOptions FailoverGroup(Node node)
    {
        var group = new FailoverGroupOptions();
        Object(node, group, FailoverGroupKeys);
        return group;
    }

    private MaintenanceWindowOptions Maintenance(Node node)
    {
        var window = new MaintenanceWindowOptions();
        Object(node, window, MaintenanceKeys);
        return window;
    }

    private void Time(Node node, Action<DateTimeOffset> set)
    {
        if (!Scalar(node, out var value))
        {
            return;
        }

        if (HasOffset(value) && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            set(time);
        }
        else
        {
            Error(node, $"must be a time in ISO 8601 with its offset, for example 2026-11-28T22:00:00Z, got {Quote(value)}");
        }
    }

    // A time without an offset would be read in the machine's zone: refuse it rather than guess.
    private static bool HasOffset(string? value) =>
        value is { Length: > 10 } && (value.EndsWith('Z') || value[10..].Contains('+', StringComparison.Ordinal) || value[10..].Contains('-', StringComparison.Ordinal));

    private void Text(Node node, Action<string?> set, bool allowEmpty = false)
    {
        if (Scalar(node, out var value, allowEmpty))
        {
            set(value);
        }
    }

    private void Number(Node node, Action<double> set)
    {
        if (!Scalar(node, out var value))
        {
            return;
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
        {
            set(number);
        }
        else
        {
            Error(node, $"must be a number, got {Quote(value)}");
        }
    }

    private void Integer(Node node, Action<int> set)
    {
        if (!Scalar(node, out var value))
        {
            return;
        }

        if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
        {
            set(number);
        }
        else
        {
            Error(node, $"must be a whole number, got {Quote(value)}");
        }
    }

    private void Choice<T>(Node node, (string Name, T Value)[] choices, Action<T> set)
    {
        if (!Scalar(node, out var value))
        {
            return;
        }

        var match = Array.FindIndex(choices, c => string.Equals(c.Name, value?.Trim(), StringComparison.OrdinalIgnoreCase));
        if (match >= 0)
        {
            set(choices[match].Value);
        }
        else
        {
            Error(node, $"must be one of {string.Join(", ", choices.Select(c => c.Name))}, got {Quote(value)}");
        }
    }

    /// <summary>
    /// The key's single value. A list or a section is an error, and so is a value that is empty, <c>~</c> or <c>null</c>
    /// (unless <paramref name="allowEmpty"/>): leaving a key out gives its default, writing it without a value is a mistake.
    /// </summary>
    private bool Scalar(Node node, out string? value, bool allowEmpty = false)
    {
        value = node.Value;
        var children = node.Configuration.GetChildren().ToList();
        if (children.Count == 0)
        {
            if (!allowEmpty && string.IsNullOrWhiteSpace(value))
            {
                Error(node, EmptyValue);
                return false;
            }

            return true;
        }

        Error(node, children.TrueForAll(c => OptionsPath.IsIndex(c.Key, out _))
            ? "must be a single value, got a list"
            : "must be a single value, got a section");
        return false;
    }

    /// <summary>A key written with nothing under it: <c>key:</c>, <c>key: ~</c>, <c>key: null</c>.</summary>
    private static bool IsEmpty(Node node) =>
        node.Path.Length > 0 && string.IsNullOrEmpty(node.Value) && !node.Configuration.GetChildren().Any();

    private void Error(Node node, string message) => _errors.Add(new OptionsError(node.Path, message));

    private Node Visit(IConfigurationSection section, string display, string canonical)
    {
        _displayPaths[canonical] = display;
        return new Node(section, display, canonical);
    }

    /// <summary>The key as the file spells it, when the file has it.</summary>
    private string? FileCasing(Node parent, string key)
    {
        if (_file is null)
        {
            return null;
        }

        var parentKey = parent.Configuration is IConfigurationSection section ? section.Path : null;
        return _file.GetChildKeys([], parentKey).FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
    }

    private static string Quote(string? value) => value is null or "" ? "an empty value" : $"'{value}'";

    /// <summary>The known key closest to a typo, when it is close enough to be what was meant.</summary>
    private static string? Suggest<T>(string unknown, Key<T>[] keys)
    {
        // Also against the name without its unit, so 'timeout' (or 'timout') points to 'timeoutSeconds'.
        var typed = unknown.ToLowerInvariant();
        var best = keys
            .Select(k => (k.Name, Distance: Math.Min(
                EditDistance(typed, k.Name.ToLowerInvariant()),
                EditDistance(typed, k.Name.Replace("Seconds", "", StringComparison.Ordinal).ToLowerInvariant()))))
            .MinBy(k => k.Distance);
        return best.Name is not null && best.Distance <= Math.Max(1, Math.Min(3, best.Name.Length / 3)) ? best.Name : null;
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    private sealed record Key<T>(string Name, Action<BulwarkOptionsBinder, Node, T> Bind);

    /// <summary>A place in the configuration: its section, the path shown to the user, and the same path in camelCase.</summary>
    private readonly record struct Node(IConfiguration Configuration, string Path, string CanonicalPath)
    {
        public string? Value => (Configuration as IConfigurationSection)?.Value;
    }
}
