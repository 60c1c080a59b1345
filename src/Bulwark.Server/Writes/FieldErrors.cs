using Microsoft.AspNetCore.Http;

namespace Bulwark.Server.Writes;

/// <summary>
/// Every error of a request body by field path, answered together as one 400 <c>application/problem+json</c>: an
/// <c>errors</c> map (field path to messages, as ASP.NET Core's validation problems) and <c>field</c>, the first one.
/// </summary>
internal sealed class FieldErrors
{
    /// <summary>The longest note or reason kept: the kill switch's limit, so every write's text fits every store.</summary>
    public const int MaximumTextLength = Bulwark.Trading.KillSwitch.MaximumReasonLength;

    // Made on the first error: a good request (every order check) allocates none of it.
    private Dictionary<string, string[]>? _errors;
    private string? _first;

    public bool Any => _errors is not null;

    public void Add(string field, string message)
    {
        _first ??= field;
        _errors ??= new Dictionary<string, string[]>(StringComparer.Ordinal);
        _errors[field] = _errors.TryGetValue(field, out var existing) ? [.. existing, message] : [message];
    }

    /// <summary>A required value; false (with the error) when it is missing.</summary>
    public bool Required<T>(T? value, string field)
    {
        if (value is null)
        {
            Add(field, "is required");
            return false;
        }

        return true;
    }

    /// <summary>Plain text a person wrote (a reason, a note): required, not blank, at most <see cref="MaximumTextLength"/>, no control character.</summary>
    public string? Text(string? value, string field, bool required = true)
    {
        if (value is null)
        {
            if (required)
            {
                Add(field, "is required");
            }

            return null;
        }

        var trimmed = value.Trim();
        if (trimmed.Length == 0)
        {
            Add(field, "must not be blank");
            return null;
        }

        if (trimmed.Length > MaximumTextLength)
        {
            Add(field, $"at most {MaximumTextLength} characters (got {trimmed.Length})");
            return null;
        }

        var control = trimmed.AsSpan().IndexOfAnyInRange('\u0000', '\u001f');
        if (control < 0)
        {
            control = trimmed.AsSpan().IndexOfAnyInRange('\u007f', '\u009f');
        }

        if (control >= 0)
        {
            Add(field, $"control character U+{(int)trimmed[control]:X4} at position {control} (use plain text)");
            return null;
        }

        return trimmed;
    }

    /// <summary>A name (account, symbol, group, replica): required, not blank, at most 128 characters, no control character.</summary>
    public string? Name(string? value, string field)
    {
        var text = Text(value, field);
        if (text is not null && text.Length > 128)
        {
            Add(field, $"at most 128 characters (got {text.Length})");
            return null;
        }

        return text;
    }

    public IResult ToProblem() => Problem(_errors!, _first!);

    public static IResult Single(string field, string message) => Problem(new Dictionary<string, string[]> { [field] = [message] }, field);

    private static IResult Problem(Dictionary<string, string[]> errors, string first) =>
        TypedResults.ValidationProblem(
            errors,
            detail: errors.Count == 1 ? $"{first}: {errors[first][0]}" : $"{errors.Count} fields are invalid: {string.Join("; ", errors.Select(e => $"{e.Key}: {e.Value[0]}"))}",
            title: "Bad request",
            extensions: new Dictionary<string, object?> { ["field"] = first });
}
