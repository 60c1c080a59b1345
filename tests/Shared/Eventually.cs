namespace Bulwark.Tests.Shared;

/// <summary>Waits on a condition with a deadline; never a fixed sleep.</summary>
internal static class Eventually
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    public static Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string? what = null) =>
        WaitUntilAsync(() => Task.FromResult(condition()), timeout, what);

    public static Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string? what = null) =>
        WaitUntilAsync(condition, timeout, () => what ?? "(unnamed)");

    /// <summary>As above, with a description made only on a timeout (so it can show output gathered so far).</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> what)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(timeout.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (!await condition())
        {
            if (TimeProvider.System.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"Condition not met within {timeout.TotalSeconds} s: {what()}");
            }

            await Task.Delay(Poll);
        }
    }

    /// <summary>Waits until <paramref name="value"/> gives something other than the default, and returns it.</summary>
    public static async Task<T> ValueAsync<T>(Func<T> value, TimeSpan timeout, string? what = null)
    {
        var result = default(T);
        await WaitUntilAsync(() => !EqualityComparer<T>.Default.Equals(result = value(), default), timeout, what);
        return result!;
    }
}
