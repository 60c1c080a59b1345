namespace Bulwark.Tests.Configuration.Fuzz;

/// <summary>One mutated file: what was done, the field path it touched, and the YAML.</summary>
internal sealed record ConfigurationMutation(string Kind, string Path, string Yaml)
{
    public override string ToString() => $"{Path} <- {Kind}";
}

/// <summary>
/// Every mutation of every key of a document, in turn: null, <c>~</c>, <c>Null</c>, empty, quoted empty, a list for a
/// scalar, a scalar for a list or a section, a wrong type, and for numbers negative, zero, huge, NaN and infinite; then an
/// unknown key in every section and a duplicate (in another casing, as keys are case-insensitive) of every key. Scalar
/// list items get the value mutations that cannot be a legitimate item (null, ~, a section).
/// </summary>
internal static class ConfigurationMutations
{
    public const string UnknownKey = "fuzzUnknownKey";

    /// <summary>Beyond every bound Bulwark accepts, so a refusal is the only right answer.</summary>
    private static readonly string[] Huge = ["1e300", "99999999999999999999", "-1e300"];

    private static readonly string[] NotFinite = ["NaN", ".nan", "Infinity", "-Infinity", ".inf"];

    public static IEnumerable<ConfigurationMutation> Of(YamlTree document) => Walk(document, document, [], "");

    private static IEnumerable<ConfigurationMutation> Walk(YamlTree root, YamlTree node, IReadOnlyList<object> steps, string path)
    {
        switch (node)
        {
            case YamlTree.Map map:
                foreach (var (key, value) in map.Entries)
                {
                    var childSteps = steps.Append(key).ToList();
                    var childPath = path.Length == 0 ? key : $"{path}.{key}";
                    foreach (var (kind, replacement) in ValueMutations(value))
                    {
                        yield return new(kind, childPath, Replace(root, childSteps, replacement).Write());
                    }

                    var duplicate = OtherCasing(key);
                    yield return new("duplicate key " + duplicate, childPath, AddEntry(root, steps, duplicate, value).Write());
                    foreach (var inner in Walk(root, value, childSteps, childPath))
                    {
                        yield return inner;
                    }
                }

                var unknownPath = path.Length == 0 ? UnknownKey : $"{path}.{UnknownKey}";
                yield return new("unknown key", unknownPath, AddEntry(root, steps, UnknownKey, YamlTree.Text("1")).Write());
                break;
            case YamlTree.Sequence list:
                for (var i = 0; i < list.Items.Count; i++)
                {
                    var itemSteps = steps.Append(i).ToList();
                    var itemPath = $"{path}[{i}]";
                    if (list.Items[i] is YamlTree.Scalar)
                    {
                        foreach (var (kind, replacement) in ItemMutations())
                        {
                            yield return new(kind, itemPath, Replace(root, itemSteps, replacement).Write());
                        }
                    }

                    foreach (var inner in Walk(root, list.Items[i], itemSteps, itemPath))
                    {
                        yield return inner;
                    }
                }

                break;
        }
    }

    private static IEnumerable<(string Kind, YamlTree Value)> ValueMutations(YamlTree value)
    {
        yield return ("null", YamlTree.Raw("null"));
        yield return ("~", YamlTree.Raw("~"));
        yield return ("Null", YamlTree.Raw("Null"));
        yield return ("empty", YamlTree.Raw(""));
        yield return ("quoted empty", YamlTree.Text(""));
        switch (value)
        {
            case YamlTree.Scalar scalar:
                yield return ("a list for a scalar", new YamlTree.Sequence([scalar]));
                yield return ("a section for a scalar", Section());
                if (scalar.IsNumber)
                {
                    yield return ("wrong type", YamlTree.Raw("abc"));
                    if (!scalar.Value.StartsWith('-'))
                    {
                        yield return ("negative", YamlTree.Raw("-" + scalar.Value));
                    }

                    yield return ("zero", YamlTree.Raw("0"));
                    foreach (var huge in Huge)
                    {
                        yield return ("huge " + huge, YamlTree.Raw(huge));
                    }

                    foreach (var notFinite in NotFinite)
                    {
                        yield return (notFinite, YamlTree.Raw(notFinite));
                    }
                }
                else if (scalar.Value is "true" or "false")
                {
                    yield return ("wrong type", YamlTree.Raw("abc"));
                }

                break;
            case YamlTree.Sequence list:
                yield return ("a scalar for a list", list.Items.FirstOrDefault() is YamlTree.Scalar first ? first : YamlTree.Text("x"));
                yield return ("a section for a list", Section());
                break;
            case YamlTree.Map:
                yield return ("a scalar for a section", YamlTree.Text("x"));
                yield return ("a list for a section", new YamlTree.Sequence([YamlTree.Text("x")]));
                break;
        }
    }

    private static IEnumerable<(string Kind, YamlTree Value)> ItemMutations()
    {
        yield return ("null item", YamlTree.Raw("null"));
        yield return ("~ item", YamlTree.Raw("~"));
        yield return ("a section for an item", Section());
    }

    private static YamlTree.Map Section() => new([new("x", YamlTree.Text("1"))]);

    private static string OtherCasing(string key)
    {
        var upper = key.ToUpperInvariant();
        return upper != key ? upper : key.ToLowerInvariant();
    }

    private static YamlTree Replace(YamlTree node, IReadOnlyList<object> steps, YamlTree replacement, int at = 0)
    {
        if (at == steps.Count)
        {
            return replacement;
        }

        return (node, steps[at]) switch
        {
            (YamlTree.Map map, string key) => new YamlTree.Map(map.Entries
                .Select(e => e.Key == key ? new KeyValuePair<string, YamlTree>(e.Key, Replace(e.Value, steps, replacement, at + 1)) : e).ToList()),
            (YamlTree.Sequence list, int index) => new YamlTree.Sequence(list.Items
                .Select((item, i) => i == index ? Replace(item, steps, replacement, at + 1) : item).ToList()),
            _ => throw new InvalidOperationException($"no {steps[at]} here"),
        };
    }

    private static YamlTree AddEntry(YamlTree node, IReadOnlyList<object> mapSteps, string key, YamlTree value, int at = 0)
    {
        if (at == mapSteps.Count)
        {
            var map = (YamlTree.Map)node;
            return new YamlTree.Map([.. map.Entries, new(key, value)]);
        }

        return (node, mapSteps[at]) switch
        {
            (YamlTree.Map map, string k) => new YamlTree.Map(map.Entries
                .Select(e => e.Key == k ? new KeyValuePair<string, YamlTree>(e.Key, AddEntry(e.Value, mapSteps, key, value, at + 1)) : e).ToList()),
            (YamlTree.Sequence list, int index) => new YamlTree.Sequence(list.Items
                .Select((item, i) => i == index ? AddEntry(item, mapSteps, key, value, at + 1) : item).ToList()),
            _ => throw new InvalidOperationException($"no {mapSteps[at]} here"),
        };
    }
}
