using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Bulwark.Configuration;

/// <summary>
/// The strict reading shared by the binders of delegated sections (<c>recovery:</c>, <c>redundancy:</c>): every key must be
/// known, every value must parse, and every problem is collected with its field path as users read it.
/// </summary>
internal abstract class SectionBinder
{
    private readonly List<OptionsError> _errors = [];

    /// <summary>Every binding error, in the order the keys were visited.</summary>
    protected IReadOnlyList<OptionsError> Errors => _errors;

    /// <summary>Reports every key not in <paramref name="known"/>; false when the node is not a section at all.</summary>
    protected bool Keys(Node node, params string[] known)
    {
        if (!string.IsNullOrEmpty(node.Section.Value))
        {
            Error(node.Path, $"must be a section of keys ({string.Join(", ", known)}), got '{node.Section.Value}'");
            return false;
        }

        if (IsEmpty(node))
        {
            Error(node.Path, "must not be empty: give its keys, or leave it out");
            return false;
        }

        foreach (var child in node.Section.GetChildren())
        {
            if (!known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                var near = known.FirstOrDefault(k => k.StartsWith(child.Key, StringComparison.OrdinalIgnoreCase) || child.Key.StartsWith(k, StringComparison.OrdinalIgnoreCase));
                Error(OptionsPath.Key(node.Path, child.Key), near is null
                    ? $"unknown key (known: {string.Join(", ", known)})"
                    : $"unknown key (did you mean '{near}'?)");
            }
        }

        return true;
    }

    protected void List<T>(Node node, string key, ICollection<T> target, Func<Node, T> item)
    {
        if (node.Child(key) is { } list && IsList(list))
        {
            foreach (var child in Items(list))
            {
                target.Add(item(child));
            }
        }
    }

    protected void TextList(Node node, string key, ICollection<string> target)
    {
        if (node.Child(key) is { } list && IsList(list))
        {
            foreach (var child in Items(list))
            {
                if (child.Section.Value is null && !child.Section.GetChildren().Any())
                {
                    // A quoted "" is a real item (an empty argument); ~, null or nothing at all is not.
                    Error(child.Path, "must have a value: ~ and null are refused");
                }
                else if (Scalar(child, out var value))
                {
                    target.Add(value ?? "");
                }
            }
        }
    }

    protected void Map(Node node, string key, IDictionary<string, string> target)
    {
        if (node.Child(key) is not { } map)
        {
            return;
        }

        if (!string.IsNullOrEmpty(map.Section.Value))
        {
            Error(map.Path, $"must be a section of NAME: value, got '{map.Section.Value}'");
            return;
        }

        if (IsEmpty(map))
        {
            Error(map.Path, "must not be empty: give its keys, or leave it out");
            return;
        }

        foreach (var child in map.Section.GetChildren())
        {
            var entry = new Node(child, OptionsPath.Key(map.Path, child.Key));
            if (Scalar(entry, out var value))
            {
                target[child.Key] = value ?? "";
            }
        }
    }

    protected bool IsList(Node node)
    {
        if (!string.IsNullOrEmpty(node.Section.Value))
        {
            Error(node.Path, $"must be a list, got '{node.Section.Value}'");
            return false;
        }

        if (IsEmpty(node))
        {
            Error(node.Path, "must not be empty: give its items, or leave it out");
            return false;
        }

        var keys = node.Section.GetChildren().Select(c => c.Key).ToList();
        var bad = keys.FirstOrDefault(k => !OptionsPath.IsIndex(k, out _));
        if (bad is not null)
        {
            Error(node.Path, $"must be a list (YAML '- ' items), got a section with key '{bad}'");
            return false;
        }

        var indexes = keys.Select(k => int.Parse(k, CultureInfo.InvariantCulture)).Order().ToList();
        for (var i = 0; i < indexes.Count; i++)
        {
            if (indexes[i] != i)
            {
                Error(OptionsPath.Item(node.Path, indexes[i]), $"list items must be numbered from 0 without gaps; expected index {i}");
                return false;
            }
        }

        return true;
    }

    protected static IEnumerable<Node> Items(Node list) =>
        list.Section.GetChildren()
            .Select(c => (Index: int.Parse(c.Key, CultureInfo.InvariantCulture), Section: c))
            .OrderBy(c => c.Index)
            .Select(c => new Node(c.Section, OptionsPath.Item(list.Path, c.Index)));

    protected void Text(Node node, string key, Action<string> set)
    {
        if (node.Child(key) is { } child && Scalar(child, out var value))
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                Error(child.Path, "must not be empty");
            }
            else
            {
                set(value);
            }
        }
    }

    protected void Number(Node node, string key, Action<double> set)
    {
        if (node.Child(key) is { } child && Scalar(child, out var value))
        {
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
            {
                set(number);
            }
            else
            {
                Error(child.Path, $"must be a number, got {Quote(value)}");
            }
        }
    }

    protected void Integer(Node node, string key, Action<int> set)
    {
        if (node.Child(key) is { } child && Scalar(child, out var value))
        {
            if (int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
            {
                set(number);
            }
            else
            {
                Error(child.Path, $"must be a whole number, got {Quote(value)}");
            }
        }
    }

    /// <param name="node">The section holding the key.</param>
    /// <param name="key">The key.</param>
    /// <param name="choices">The names accepted.</param>
    /// <param name="set">Receives the value.</param>
    /// <param name="unreadable">
    /// Marks the field as set but unreadable, so the rules that depend on it stay quiet rather than report the same
    /// mistake again elsewhere (a bad action is not also a missing one).
    /// </param>
    protected void Choice<T>(Node node, string key, (string Name, T Value)[] choices, Action<T> set, Action? unreadable = null)
    {
        if (node.Child(key) is { } child)
        {
            var errors = _errors.Count;
            ChoiceValue(child, choices, set);
            if (_errors.Count > errors)
            {
                unreadable?.Invoke();
            }
        }
    }

    protected void ChoiceValue<T>(Node node, (string Name, T Value)[] choices, Action<T> set)
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
            Error(node.Path, $"must be one of {string.Join(", ", choices.Select(c => c.Name))}, got {Quote(value)}");
        }
    }

    protected bool Scalar(Node node, out string? value)
    {
        value = node.Section.Value;
        if (!node.Section.GetChildren().Any())
        {
            return true;
        }

        Error(node.Path, node.Section.GetChildren().All(c => OptionsPath.IsIndex(c.Key, out _))
            ? "must be a single value, got a list"
            : "must be a single value, got a section");
        return false;
    }

    protected void Error(string path, string message) => _errors.Add(new OptionsError(path, message));

    /// <summary>A key written with nothing under it: <c>key:</c>, <c>key: ~</c>, <c>key: null</c>.</summary>
    protected static bool IsEmpty(Node node) => string.IsNullOrEmpty(node.Section.Value) && !node.Section.GetChildren().Any();

    protected static string Quote(string? value) => value is null or "" ? "an empty value" : $"'{value}'";

    /// <summary>A place in the section and its path as users read it.</summary>
    protected readonly record struct Node(IConfigurationSection Section, string Path)
    {
        /// <summary>The child of that key when the configuration has it (any casing), else null.</summary>
        public Node? Child(string key)
        {
            var child = Section.GetChildren().FirstOrDefault(c => string.Equals(c.Key, key, StringComparison.OrdinalIgnoreCase));
            return child is null ? null : new Node(child, OptionsPath.Key(Path, key));
        }
    }
}
