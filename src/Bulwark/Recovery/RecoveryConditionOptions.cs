namespace Bulwark.Recovery;

/// <summary>
/// When a step runs (<c>when:</c>): a component is in one of <see cref="States"/>, or <see cref="Command"/> exits 0.
/// A step whose condition does not hold is skipped, and recorded as skipped.
/// </summary>
public sealed class RecoveryConditionOptions
{
    /// <summary>The component of <see cref="States"/>; the plan's component when null.</summary>
    public string? Component { get; set; }

    /// <summary>Run only while the component is in one of these states.</summary>
    public IList<SafetyState> States { get; } = new List<SafetyState>();

    /// <summary>Run only if this command (no shell) exits 0 within 10 s.</summary>
    public string? Command { get; set; }

    /// <summary>The command's arguments.</summary>
    public IList<string> Args { get; } = new List<string>();
}
