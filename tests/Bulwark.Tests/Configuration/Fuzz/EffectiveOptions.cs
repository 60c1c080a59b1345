using System.Collections;
using System.Globalization;
using System.Reflection;

namespace Bulwark.Tests.Configuration.Fuzz;

/// <summary>
/// The bound options as a flat map of property path to value (<c>Trading.AccountLimits[ACC1].MaximumOrderQuantity = 500</c>),
/// read by reflection over every public property, so a field added later is compared without anyone listing it.
/// </summary>
internal static class EffectiveOptions
{
    private const int MaxDepth = 12;

    public static SortedDictionary<string, string> Of(BulwarkOptions options)
    {
        var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
        Add(values, "", options, 0);
        return values;
    }

    /// <summary>
    /// Where <paramref name="mutated"/> is not the same as or stricter than <paramref name="original"/>. A limit
    /// (<c>Maximum*</c>) may only come down or stay; every other field must be the same.
    /// </summary>
    public static List<string> Looser(SortedDictionary<string, string> original, SortedDictionary<string, string> mutated)
    {
        var differences = new List<string>();
        foreach (var path in original.Keys.Union(mutated.Keys).Order(StringComparer.Ordinal))
        {
            var before = original.GetValueOrDefault(path, "(absent)");
            var after = mutated.GetValueOrDefault(path, "(absent)");
            if (before != after && !IsTighterLimit(path, before, after))
            {
                differences.Add($"{path}: {before} -> {after}");
            }
        }

        return differences;
    }

    private static bool IsTighterLimit(string path, string before, string after) =>
        path[(path.LastIndexOf('.') + 1)..].StartsWith("Maximum", StringComparison.Ordinal) &&
        double.TryParse(after, NumberStyles.Float, CultureInfo.InvariantCulture, out var a) &&
        (before == "null" || (double.TryParse(before, NumberStyles.Float, CultureInfo.InvariantCulture, out var b) && a <= b));

    private static void Add(SortedDictionary<string, string> values, string path, object? value, int depth)
    {
        switch (value)
        {
            case null:
                values[path] = "null";
                return;
            case string or bool or Enum or TimeSpan or DateTimeOffset:
                values[path] = Convert.ToString(value, CultureInfo.InvariantCulture)!;
                return;
            case double d:
                values[path] = d.ToString("R", CultureInfo.InvariantCulture);
                return;
            case IFormattable number when value.GetType().IsPrimitive:
                values[path] = number.ToString(null, CultureInfo.InvariantCulture);
                return;
        }

        Assert.True(depth < MaxDepth, $"options nest deeper than {MaxDepth} at {path}");
        switch (value)
        {
            case IDictionary dictionary:
                values[path + ".Count"] = dictionary.Count.ToString(CultureInfo.InvariantCulture);
                foreach (DictionaryEntry entry in dictionary)
                {
                    Add(values, $"{path}[{entry.Key}]", entry.Value, depth + 1);
                }

                return;
            case IEnumerable list:
                var items = list.Cast<object?>().ToList();
                if (IsSet(value))
                {
                    items = [.. items.OrderBy(i => i?.ToString(), StringComparer.Ordinal)];
                }

                values[path + ".Count"] = items.Count.ToString(CultureInfo.InvariantCulture);
                for (var i = 0; i < items.Count; i++)
                {
                    Add(values, $"{path}[{i}]", items[i], depth + 1);
                }

                return;
        }

        var type = value.GetType();
        Assert.True(type.Assembly == typeof(BulwarkOptions).Assembly, $"{path} is a {type}, not an options type: compare it explicitly");
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0))
        {
            Add(values, path.Length == 0 ? property.Name : $"{path}.{property.Name}", property.GetValue(value), depth + 1);
        }
    }

    private static bool IsSet(object value) =>
        value.GetType().GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ISet<>));
}
