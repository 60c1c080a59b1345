namespace Bulwark.Cli.Tests;

public sealed class DurationTests
{
    [Theory]
    [InlineData("30s", 30)]
    [InlineData("10m", 600)]
    [InlineData("2h", 7200)]
    [InlineData("1h30m", 5400)]
    [InlineData("1d", 86400)]
    [InlineData("1w", 604800)]
    [InlineData("1.5m", 90)]
    public void TryParse_Accepts(string text, double seconds)
    {
        Assert.True(Duration.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("m")]
    [InlineData("10x")]
    [InlineData("0s")]
    [InlineData("-5m")]
    [InlineData("5 m")]
    public void TryParse_Rejects(string text) => Assert.False(Duration.TryParse(text, out _));
}
