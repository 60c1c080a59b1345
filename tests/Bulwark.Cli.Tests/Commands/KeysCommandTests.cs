using System.Text.Json;

namespace Bulwark.Cli.Tests.Commands;

/// <summary>`bulwark keys add|list|revoke`: the key printed once, never listed, revocable by name or id, audited; bad input named.</summary>
public sealed class KeysCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Add_PrintsTheKeyOnce_ListNeverShowsIt_RevokeMarksIt_AndEachIsAudited()
    {
        var added = await CliRunner.RunAsync("keys", "add", "--role", "operator", "--name", "alice", "--data-dir", _dir.Path);
        Assert.True(added.ExitCode == 0, added.Stderr);
        var key = added.Stdout.Split('\n').Single(l => l.StartsWith("bwk_", StringComparison.Ordinal));
        Assert.Equal(47, key.Length);

        var list = await CliRunner.RunAsync("keys", "list", "--data-dir", _dir.Path, "--json");
        Assert.DoesNotContain(key, list.Stdout, StringComparison.Ordinal);
        var listed = JsonDocument.Parse(list.Stdout).RootElement.EnumerateArray().Single();
        Assert.Equal("alice", listed.GetProperty("name").GetString());
        Assert.Equal("operator", listed.GetProperty("role").GetString());
        Assert.False(listed.GetProperty("revoked").GetBoolean());

        var revoked = await CliRunner.RunAsync("keys", "revoke", listed.GetProperty("id").GetString()!, "--data-dir", _dir.Path);
        Assert.True(revoked.ExitCode == 0, revoked.Stderr);
        Assert.Contains("Revoked API key 'alice'", revoked.Stdout, StringComparison.Ordinal);
        var text = await CliRunner.RunAsync("keys", "list", "--data-dir", _dir.Path);
        Assert.Contains(" by ", text.Stdout, StringComparison.Ordinal);

        var events = await CliRunner.RunAsync("events", "--kind", "server.key", "--data-dir", _dir.Path, "--json");
        Assert.True(events.ExitCode == 0, events.Stderr);
        var kinds = JsonDocument.Parse(events.Stdout).RootElement.EnumerateArray().Select(e => e.GetProperty("kind").GetString());
        Assert.Equal(["server.key_added", "server.key_revoked"], kinds);
        Assert.DoesNotContain(key, events.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokingAKeyThatIsNotValid_Exits1_NamingIt()
    {
        var (exit, _, stderr) = await CliRunner.RunAsync("keys", "revoke", "nobody", "--data-dir", _dir.Path);

        Assert.Equal(ExitCodes.Failure, exit);
        Assert.Equal("error: no valid key has the name or id 'nobody'; see 'bulwark keys list'", stderr.Trim());
    }

    [Fact]
    public async Task AddingAValidNameTwice_Exits1_SayingToRevokeFirst()
    {
        await CliRunner.RunAsync("keys", "add", "--role", "viewer", "--name", "ci", "--data-dir", _dir.Path);

        var (exit, _, stderr) = await CliRunner.RunAsync("keys", "add", "--role", "admin", "--name", "ci", "--data-dir", _dir.Path);

        Assert.Equal(ExitCodes.Failure, exit);
        Assert.Contains("a valid key named 'ci' exists already: revoke it first", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--role", "root", "--name", "x" }, "error: --role: must be one of viewer, engine, operator, admin, got 'root'.")]
    [InlineData(new[] { "--role", "viewer", "--name", "bad name" }, "error: --name: 'bad name' has ' '")]
    [InlineData(new[] { "--role", "viewer", "--name", "" }, "error: --name: must be 1 to 64 characters, got 0.")]
    [InlineData(new[] { "--role", "viewer", "--name", "a\u001bb" }, "error: --name: 'a\u001bb' has '\\u001b'")]
    public async Task BadInput_Exits2_NamingTheOption(string[] args, string message)
    {
        var (exit, stdout, stderr) = await CliRunner.RunAsync(["keys", "add", .. args, "--data-dir", _dir.Path]);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.StartsWith(message, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("bwk_", stdout, StringComparison.Ordinal);
    }
}
