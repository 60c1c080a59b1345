using System.Globalization;

namespace Bulwark.Configuration;

/// <summary>
/// Field paths as users read them: <c>components[1].checks[0].url</c> rather than the
/// configuration key <c>components:1:checks:0:url</c>.
/// </summary>
internal static class OptionsPath
{
    /// <summary>Orders paths by structure: parents before children, list items by index, keys case-insensitively.</summary>
    public static IComparer<string> Comparer { get; } = new StructuralComparer();

    public static string Key(string parent, string key) => parent.Length == 0 ? key : parent + "." + key;

    public static string Item(string parent, int index) => parent + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";

    /// <summary>True when <paramref name="path"/> is <paramref name="ancestor"/> or lies inside it.</summary>
    public static bool IsWithin(string path, string ancestor)
    {
        if (!path.StartsWith(ancestor, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return path.Length == ancestor.Length || path[ancestor.Length] is '.' or '[';
    }

    /// <summary>Converts a configuration key such as <c>components:1:checks:0:url</c> to <c>components[1].checks[0].url</c>.</summary>
    public static string FromConfigurationKey(string configurationKey)
    {
        var path = "";
        foreach (var segment in configurationKey.Split(':'))
        {
            path = IsIndex(segment, out var index) && path.Length > 0 ? Item(path, index) : Key(path, segment);
        }

        return path;
    }

    /// <summary>A list index as configuration spells it: digits only, no sign, no leading zero.</summary>
    public static bool IsIndex(string segment, out int index)
    {
        index = -1;
        if (segment.Length == 0 || (segment.Length > 1 && segment[0] == '0') || !segment.All(char.IsAsciiDigit))
        {
            return false;
        }

        return int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out index);
    }

    private static List<object> Tokens(string path)
    {
        var tokens = new List<object>();
        foreach (var part in path.Split('.'))
        {
            var bracket = part.IndexOf('[', StringComparison.Ordinal);
            tokens.Add(bracket < 0 ? part : part[..bracket]);
            while (bracket >= 0)
            {
                var close = part.IndexOf(']', bracket);
                if (close < 0 || !int.TryParse(part.AsSpan(bracket + 1, close - bracket - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    break;
                }

                tokens.Add(index);
                bracket = part.IndexOf('[', close);
            }
        }

        return tokens;
    }

    private sealed class StructuralComparer : IComparer<string>
    {
        public int Compare(string? x, string? y)
        {
            if (x is null || y is null)
            {
                return x is null ? (y is null ? 0 : -1) : 1;
            }

            var left = Tokens(x);
            var right = Tokens(y);
            for (var i = 0; i < Math.Min(left.Count, right.Count); i++)
            {
                var order = (left[i], right[i]) switch
                {
                    (int a, int b) => a.CompareTo(b),
                    (string a, string b) => StringComparer.OrdinalIgnoreCase.Compare(a, b),
                    (int, _) => -1,
                    _ => 1,
                };
                if (order != 0)
                {
                    return order;
                }
            }

            return left.Count.CompareTo(right.Count);
        }
    }
}
