using System.Globalization;

namespace PaperTrader;

/// <summary>Where the trading journal lives: <c>sqlite:FILE</c> or <c>postgres:CONNSTR</c>.</summary>
internal sealed record JournalAddress(string Kind, string Target);

/// <summary>The command line, validated whole: every error names its argument, and all are reported together.</summary>
internal sealed record TraderArguments
{
    private static readonly string[] Known =
    [
        "--replica", "--backend", "--coordinator", "--venue", "--group", "--ttl-ms", "--margin-ms", "--renew-ms", "--retry-ms",
        "--rate", "--interval-ms", "--journal", "--commands", "--daily-loss", "--evaluate-ms", "--status-ms", "--send-delay-ms", "--gate", "--resting",
    ];

    public required string Replica { get; init; }

    public required string Backend { get; init; }

    public string? Coordinator { get; init; }

    public required Uri Venue { get; init; }

    public required string Group { get; init; }

    public required TimeSpan Ttl { get; init; }

    public required TimeSpan Margin { get; init; }

    public required TimeSpan Renew { get; init; }

    public required TimeSpan Retry { get; init; }

    /// <summary>Orders per second while leading (0: only the orders of the command file).</summary>
    public required double Rate { get; init; }

    public JournalAddress? Journal { get; init; }

    public string? CommandsPath { get; init; }

    public double? DailyLoss { get; init; }

    public required TimeSpan EvaluateInterval { get; init; }

    public required TimeSpan StatusInterval { get; init; }

    /// <summary>Fault injection: a pause between the last leadership check and the send (0: none).</summary>
    public TimeSpan SendDelay { get; init; }

    /// <summary>
    /// Resting orders kept working at the venue (0: none, every order crosses): one order in four is priced half a point
    /// away from the market so it rests, and the oldest is cancelled when more than this many work.
    /// </summary>
    public int Resting { get; init; }

    /// <summary>Bulwark's server, whose gate checks every order too (<see cref="HttpGate"/>); its engine key in BULWARK_GATE_KEY.</summary>
    public Uri? Gate { get; init; }

    /// <summary>Parses <paramref name="args"/>; null with every error in <paramref name="errors"/>.</summary>
    public static TraderArguments? Parse(string[] args, string? replicaIndex, out List<string> errors)
    {
        var found = new List<string>();
        errors = found;
        for (var i = 0; i < args.Length; i++)
        {
            if (!Known.Contains(args[i]))
            {
                found.Add($"{args[i]}: unknown argument (known: {string.Join(", ", Known)})");
            }
            else if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                found.Add($"{args[i]}: a value is required");
            }
            else
            {
                i++;
            }
        }

        var replica = Value(args, "--replica");
        if (string.IsNullOrWhiteSpace(replica))
        {
            found.Add("--replica: required (this engine's name)");
        }
        else if (replicaIndex is { Length: > 0 })
        {
            replica = $"{replica}.{replicaIndex}";
        }

        var backend = Value(args, "--backend") ?? "sqlite";
        if (backend is not ("sqlite" or "postgres" or "etcd" or "none"))
        {
            found.Add($"--backend: must be sqlite, postgres, etcd or none, got '{backend}'");
        }

        var coordinator = Value(args, "--coordinator");
        if (backend != "none" && string.IsNullOrWhiteSpace(coordinator))
        {
            found.Add($"--coordinator: required with --backend {backend} (a file, a connection string or endpoints)");
        }

        Uri? venue = null;
        if (Value(args, "--venue") is not { } venueText)
        {
            found.Add("--venue: required (the venue's URL, for example http://127.0.0.1:5000)");
        }
        else if (!Uri.TryCreate(venueText, UriKind.Absolute, out venue) || venue.Scheme is not ("http" or "https"))
        {
            found.Add($"--venue: must be an http or https URL, got '{venueText}'");
        }

        var ttl = Milliseconds(args, "--ttl-ms", 1000, found);
        var margin = Milliseconds(args, "--margin-ms", 300, found);
        var renew = Milliseconds(args, "--renew-ms", 200, found);
        var retry = Milliseconds(args, "--retry-ms", 50, found);
        if (margin >= ttl)
        {
            found.Add($"--margin-ms: must be below --ttl-ms ({ttl.TotalMilliseconds}), got {margin.TotalMilliseconds}");
        }

        else if (renew >= ttl - margin)
        {
            found.Add($"--renew-ms: must be below --ttl-ms minus --margin-ms ({(ttl - margin).TotalMilliseconds}), got {renew.TotalMilliseconds}");
        }

        var rate = Number(args, "--rate", 100, 0, 10_000, found);
        if (Value(args, "--interval-ms") is not null)
        {
            // The older form: one order every N ms (kept for existing configurations).
            if (Value(args, "--rate") is not null)
            {
                found.Add("--interval-ms: give --rate or --interval-ms, not both");
            }

            rate = 1000 / Milliseconds(args, "--interval-ms", 10, found).TotalMilliseconds;
        }
        JournalAddress? journal = null;
        if (Value(args, "--journal") is { } journalText)
        {
            var colon = journalText.IndexOf(':', StringComparison.Ordinal);
            var kind = colon > 0 ? journalText[..colon] : "";
            var target = colon > 0 ? journalText[(colon + 1)..] : "";
            if (kind is not ("sqlite" or "postgres") || string.IsNullOrWhiteSpace(target))
            {
                found.Add($"--journal: must be sqlite:FILE or postgres:CONNSTR, got '{journalText}'");
            }
            else
            {
                journal = new JournalAddress(kind, target);
            }
        }

        var commands = Value(args, "--commands");
        if (commands is not null && string.IsNullOrWhiteSpace(commands))
        {
            found.Add("--commands: must be a file path");
        }

        double? dailyLoss = Value(args, "--daily-loss") is null ? null : Number(args, "--daily-loss", 0, 0.01, 1e12, found);
        var evaluate = Milliseconds(args, "--evaluate-ms", 200, found);
        var status = Milliseconds(args, "--status-ms", 1000, found);
        var sendDelay = TimeSpan.FromMilliseconds(Number(args, "--send-delay-ms", 0, 0, 10_000, found));
        var resting = 0;
        if (Value(args, "--resting") is { } restingText && (!int.TryParse(restingText, NumberStyles.None, CultureInfo.InvariantCulture, out resting) || resting > 1000))
        {
            found.Add($"--resting: must be a whole number from 0 to 1000, got '{restingText}'");
            resting = 0;
        }

        Uri? gate = null;
        if (Value(args, "--gate") is { } gateText && (!Uri.TryCreate(gateText, UriKind.Absolute, out gate) || gate.Scheme is not ("http" or "https")))
        {
            found.Add($"--gate: must be the http or https URL of Bulwark's server, got '{gateText}'");
        }
        else if (gate is not null && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(HttpGate.KeyVariable)))
        {
            found.Add($"--gate: needs an engine key in {HttpGate.KeyVariable} (bulwark keys add --role engine --name NAME)");
        }

        if (found.Count > 0)
        {
            return null;
        }

        return new TraderArguments
        {
            Replica = replica!,
            Backend = backend,
            Coordinator = coordinator,
            Venue = venue!,
            Group = Value(args, "--group") ?? "engines",
            Ttl = ttl,
            Margin = margin,
            Renew = renew,
            Retry = retry,
            Rate = rate,
            Journal = journal,
            CommandsPath = commands,
            DailyLoss = dailyLoss,
            EvaluateInterval = evaluate,
            StatusInterval = status,
            SendDelay = sendDelay,
            Resting = resting,
            Gate = gate,
        };
    }

    private static string? Value(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[i + 1] : null;
    }

    private static double Number(string[] args, string name, double fallback, double minimum, double maximum, List<string> errors)
    {
        if (Value(args, name) is not { } text)
        {
            return fallback;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value < minimum || value > maximum)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{name}: must be a number from {minimum} to {maximum}, got '{text}'"));
            return fallback;
        }

        return value;
    }

    private static TimeSpan Milliseconds(string[] args, string name, double fallback, List<string> errors) =>
        TimeSpan.FromMilliseconds(Number(args, name, fallback, 1, 3_600_000, errors));
}
