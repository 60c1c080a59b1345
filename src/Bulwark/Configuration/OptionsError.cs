namespace Bulwark;

/// <summary>One configuration problem: the field path (for example <c>components[1].checks[0].url</c>) and what is wrong.</summary>
public readonly record struct OptionsError(string Path, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>Thrown at start when the options are invalid; carries every error, not just the first.</summary>
public sealed class BulwarkOptionsException : Exception
{
    /// <summary>Creates the exception from all errors found.</summary>
    public BulwarkOptionsException(IReadOnlyList<OptionsError> errors)
        : base(Format(errors))
    {
        Errors = errors;
    }

    /// <summary>Every error found: ordered by field path when loaded from a file, in rule order when validated from code.</summary>
    public IReadOnlyList<OptionsError> Errors { get; }

    private static string Format(IReadOnlyList<OptionsError> errors) =>
        $"Bulwark configuration has {errors.Count} error(s):{Environment.NewLine}" +
        string.Join(Environment.NewLine, errors.Select(e => "  " + e));
}
