namespace Bulwark;

/// <summary>
/// Everything Bulwark needs to start. Bound from <c>bulwark.yaml</c> (with <c>BULWARK__SECTION__KEY</c>
/// environment overrides) or built in code, then validated once, before anything runs.
/// </summary>
public sealed class BulwarkOptions
{
    /// <summary>Availability objective, a fraction strictly between 0 and 1. Default 0.999.</summary>
    public double AvailabilityTarget { get; set; } = BulwarkDefaults.AvailabilityTarget;

    /// <summary>Longest acceptable recovery, in seconds. Default 60.</summary>
    public double MaxRecoveryTimeSeconds { get; set; } = BulwarkDefaults.MaxRecoveryTimeSeconds;

    /// <summary>
    /// Spare replicas promised (the k of N+k) for every redundancy service that does not set its own level. Default 3,
    /// from 1 to 100. Read by the RedundancyValidator.
    /// </summary>
    public int RedundancyLevel { get; set; } = BulwarkDefaults.RedundancyLevel;

    /// <summary>Default interval between two runs of a check, in seconds. Default 5.</summary>
    public double CheckIntervalSeconds { get; set; } = BulwarkDefaults.CheckIntervalSeconds;

    /// <summary>Directory of the embedded store, relative to the working directory. Default <c>.bulwark</c>.</summary>
    public string DataDirectory { get; set; } = BulwarkDefaults.DataDirectory;

    /// <summary>The components to watch.</summary>
    public IList<ComponentOptions> Components { get; } = new List<ComponentOptions>();

    /// <summary>SLOs and maintenance windows (the <c>availability:</c> section).</summary>
    public AvailabilityOptions Availability { get; } = new();

    /// <summary>
    /// The pre-trade risk gate (the <c>trading:</c> section); null means no gate. When set, the system runs a
    /// <see cref="Bulwark.Trading.TradingSafetyBridge"/> that its state drives (see <see cref="SafetySystem.Trading"/>).
    /// </summary>
    public Bulwark.Trading.RiskGateOptions? Trading { get; set; }

    /// <summary>Failover of this replica (the <c>failover:</c> section); null means this process competes for no leadership.</summary>
    public FailoverOptions? Failover { get; set; }

    /// <summary>
    /// Supervised processes and recovery plans (the <c>recovery:</c> section); null means none. Each supervised process is
    /// also a component with a <c>process</c> check.
    /// </summary>
    public Bulwark.Recovery.RecoveryOptions? Recovery { get; set; }

    /// <summary>
    /// The redundancy topology (the <c>redundancy:</c> section): services, replicas, placement, dependencies, N and k;
    /// null means none, and <c>ValidateRedundancy()</c> reports nothing to check.
    /// </summary>
    public Bulwark.Redundancy.RedundancyOptions? Redundancy { get; set; }

    /// <summary>
    /// The HTTP API <c>bulwark run</c> serves (the <c>server:</c> section); null means the defaults (served on
    /// <see cref="ServerOptions.DefaultUrl"/>).
    /// </summary>
    public ServerOptions? Server { get; set; }

    /// <summary>How the system state moves trading (Critical and Failed to Reducing or Halted, and back).</summary>
    public Bulwark.Trading.TradingSafetyBridgeOptions TradingPolicy { get; set; } = new();

    /// <summary>
    /// The trading journal (the <c>trading.journal:</c> section), used when <see cref="Trading"/> is set: on by default,
    /// in <c>trading-journal.db</c> in the data directory, so positions, working orders, halts and loss limits survive a restart.
    /// </summary>
    public Bulwark.Trading.Journal.TradingJournalOptions TradingJournal { get; set; } = new();
}
