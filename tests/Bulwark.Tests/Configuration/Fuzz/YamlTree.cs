using System.Globalization;
using System.Text;
using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace Bulwark.Tests.Configuration.Fuzz;

/// <summary>
/// A YAML document as plain data, so one value can be replaced and the document written again. Values read from the file
/// are written double-quoted (the configuration provider sees the same text); a mutation's <see cref="YamlTree.Raw"/>
/// scalar is written as it is, so <c>~</c>, <c>null</c> and an empty value reach the provider as YAML means them.
/// </summary>
internal abstract record YamlTree
{
    public static YamlTree Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return From(stream.Documents[0].RootNode);
    }

    /// <summary>A scalar written exactly as given (plain YAML): <c>~</c>, <c>NaN</c>, or nothing at all.</summary>
    public static Scalar Raw(string text) => new(text, IsRaw: true);

    public static Scalar Text(string text) => new(text, IsRaw: false);

    /// <summary>The document as block YAML.</summary>
    public string Write()
    {
        var text = new StringBuilder();
        WriteBlock(this, 0, text);
        return text.ToString();
    }

    private static YamlTree From(YamlNode node) => node switch
    {
        YamlMappingNode map => new Map(map.Children.Select(c => new KeyValuePair<string, YamlTree>(((YamlScalarNode)c.Key).Value!, From(c.Value))).ToList()),
        YamlSequenceNode list => new Sequence(list.Children.Select(From).ToList()),
        YamlScalarNode scalar => Text(scalar.Value ?? ""),
        _ => throw new NotSupportedException(node.GetType().Name),
    };

    private static void WriteBlock(YamlTree node, int indent, StringBuilder text)
    {
        switch (node)
        {
            case Map map:
                foreach (var (key, value) in map.Entries)
                {
                    text.Append(' ', indent).Append(key).Append(':');
                    WriteValue(value, indent, text);
                }

                break;
            case Sequence list:
                foreach (var item in list.Items)
                {
                    text.Append(' ', indent).Append('-');
                    WriteValue(item, indent, text);
                }

                break;
            default:
                throw new InvalidOperationException("a document is a mapping");
        }
    }

    private static void WriteValue(YamlTree value, int indent, StringBuilder text)
    {
        switch (value)
        {
            case Scalar { IsRaw: true, Value: "" }:
                text.Append('\n');
                break;
            case Scalar scalar:
                text.Append(' ').Append(scalar.IsRaw ? scalar.Value : JsonSerializer.Serialize(scalar.Value)).Append('\n');
                break;
            case Map { Entries.Count: 0 }:
                text.Append(" {}\n");
                break;
            case Sequence { Items.Count: 0 }:
                text.Append(" []\n");
                break;
            default:
                text.Append('\n');
                WriteBlock(value, indent + 2, text);
                break;
        }
    }

    internal sealed record Map(IReadOnlyList<KeyValuePair<string, YamlTree>> Entries) : YamlTree;

    internal sealed record Sequence(IReadOnlyList<YamlTree> Items) : YamlTree;

    internal sealed record Scalar(string Value, bool IsRaw) : YamlTree
    {
        public bool IsNumber => double.TryParse(Value, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
    }
}
