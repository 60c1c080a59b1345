using System.Globalization;

namespace Bulwark;

/// <summary>Durations such as <c>30s</c>, <c>10m</c>, <c>1h30m</c>, <c>2d</c>, <c>1w</c>.</summary>
internal static class Duration
{
    /// <summary>The longest duration any option takes: 100 years, so that now minus it is still a date.</summary>
    public static readonly TimeSpan Longest = TimeSpan.FromDays(36525);

    /// <summary>True for a positive duration no longer than <see cref="Longest"/>.</summary>
    public static bool TryParse(string? text, out TimeSpan duration) => Parse(text, Longest, out duration) is null;

    /// <summary>
    /// Null when <paramref name="text"/> is a positive duration of at most <paramref name="maximum"/>; otherwise why not,
    /// as the end of a sentence that starts with the option's name.
    /// </summary>
    public static string? Parse(string? text, TimeSpan maximum, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var notADuration = $"'{text}' is not a duration; use for example 30s, 10m, 1h30m or 2d";
        if (string.IsNullOrWhiteSpace(text))
        {
            return notADuration;
        }

        var span = text.AsSpan().Trim();
        var seconds = 0.0;
        while (!span.IsEmpty)
        {
            var digits = 0;
            while (digits < span.Length && (char.IsAsciiDigit(span[digits]) || span[digits] == '.'))
            {
                digits++;
            }

            if (digits == 0 || digits == span.Length ||
                !double.TryParse(span[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                return notADuration;
            }

            var unit = span[digits] switch
            {
                's' => 1.0,
                'm' => 60.0,
                'h' => 3600.0,
                'd' => 86400.0,
                'w' => 7 * 86400.0,
                _ => 0.0,
            };
            if (unit == 0)
            {
                return notADuration;
            }

            // Summed as seconds in a double: a huge value is compared with the maximum, never overflows a TimeSpan.
            seconds += value * unit;
            span = span[(digits + 1)..];
        }

        if (!(seconds > 0) || double.IsInfinity(seconds))
        {
            return seconds == 0 ? $"'{text}' must be longer than zero" : notADuration;
        }

        if (seconds > maximum.TotalSeconds)
        {
            return $"'{text}' is longer than the maximum, {Format(maximum)}";
        }

        duration = TimeSpan.FromSeconds(seconds);
        return null;
    }

    /// <summary>A duration in the largest unit that divides it: 36525d, 1h, 90s.</summary>
    public static string Format(TimeSpan duration) =>
        duration.TotalDays >= 1 && duration.TotalDays == Math.Floor(duration.TotalDays) ? string.Create(CultureInfo.InvariantCulture, $"{duration.TotalDays:0}d")
        : duration.TotalHours >= 1 && duration.TotalHours == Math.Floor(duration.TotalHours) ? string.Create(CultureInfo.InvariantCulture, $"{duration.TotalHours:0}h")
        : duration.TotalMinutes >= 1 && duration.TotalMinutes == Math.Floor(duration.TotalMinutes) ? string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMinutes:0}m")
        : string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.###}s");
}
