namespace Bulwark.Cli.Tests.Commands;

/// <summary>Every configuration in examples/ is valid: the README and docs point people at them.</summary>
public sealed class ExampleFilesTests
{
    public static TheoryData<string> Examples()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Bulwark.slnx")))
        {
            root = root.Parent;
        }

        var examples = Directory.GetFiles(Path.Combine(root!.FullName, "examples"), "*.yaml");
        Assert.NotEmpty(examples);
        var data = new TheoryData<string>();
        foreach (var file in examples.Order(StringComparer.Ordinal))
        {
            data.Add(file);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task ExampleFile_PassesConfigCheck(string file)
    {
        var (exit, stdout, stderr) = await CliRunner.RunAsync("config", "check", file);
        Assert.True(exit == 0, $"{file}: {stdout}{stderr}");
    }
}
