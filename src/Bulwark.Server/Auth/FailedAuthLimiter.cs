using System.Collections.Concurrent;
using System.Net;

namespace Bulwark.Server.Auth;

/// <summary>
/// Failed authentications per remote address in fixed windows: once an address has failed <c>limit</c> times in a
/// window, no key it has not already authenticated with in the last window is checked until the window ends (answered
/// 429 with Retry-After), so guessing keys gains nothing from trying faster. A key that did work from that address goes
/// on being checked as usual (revocation included): engines share an address (every one on a host is 127.0.0.1 to a
/// local server), and one with a revoked or mistyped key must not lock the healthy ones out of the gate. Bounded: at
/// most <see cref="MaxAddresses"/> addresses, and as many address and key pairs, are remembered; when full, the windows
/// that ended are forgotten first, and a new address is then limited at once (fail closed under a flood).
/// </summary>
internal sealed class FailedAuthLimiter(int limit, TimeSpan window, TimeProvider time)
{
    internal const int MaxAddresses = 10_000;

    private readonly ConcurrentDictionary<IPAddress, Window> _windows = new();
    private readonly ConcurrentDictionary<(IPAddress Address, string Key), DateTimeOffset> _worked = new();

    /// <summary>
    /// When <paramref name="address"/> is limited now for the key whose hash is <paramref name="keyHash"/> (null: a
    /// malformed header, never trusted), how long until it may try again.
    /// </summary>
    public bool IsLimited(IPAddress? address, byte[]? keyHash, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (!_windows.TryGetValue(Key(address), out var current))
        {
            return false;
        }

        if (keyHash is not null && _worked.TryGetValue((Key(address), Convert.ToHexString(keyHash)), out var until) && time.GetUtcNow() < until)
        {
            return false;
        }

        var now = time.GetUtcNow();
        lock (current)
        {
            if (current.Failures < limit || now >= current.Ends)
            {
                return false;
            }

            retryAfter = current.Ends - now;
            return true;
        }
    }

    /// <summary>Counts one failed authentication of <paramref name="address"/>.</summary>
    public void RecordFailure(IPAddress? address)
    {
        var key = Key(address);
        var now = time.GetUtcNow();
        if (!_windows.ContainsKey(key) && _windows.Count >= MaxAddresses)
        {
            Forget(now);
        }

        var current = _windows.GetOrAdd(key, _ => new Window { Ends = now + window, Failures = _windows.Count >= MaxAddresses ? limit - 1 : 0 });
        lock (current)
        {
            if (now >= current.Ends)
            {
                current.Ends = now + window;
                current.Failures = 0;
            }

            current.Failures++;
        }
    }

    /// <summary>The key whose hash is <paramref name="keyHash"/> authenticated from <paramref name="address"/>.</summary>
    public void RecordSuccess(IPAddress? address, byte[] keyHash)
    {
        var now = time.GetUtcNow();
        if (_worked.Count >= MaxAddresses)
        {
            foreach (var (pair, until) in _worked)
            {
                if (now >= until)
                {
                    _worked.TryRemove(pair, out _);
                }
            }

            if (_worked.Count >= MaxAddresses)
            {
                return; // full of live pairs: this one is not trusted past a limit (fail closed)
            }
        }

        _worked[(Key(address), Convert.ToHexString(keyHash))] = now + window;
    }

    private void Forget(DateTimeOffset now)
    {
        foreach (var (address, ended) in _windows)
        {
            if (now >= ended.Ends)
            {
                _windows.TryRemove(address, out _);
            }
        }
    }

    // IPv4 clients of a dual-stack socket arrive as ::ffff:a.b.c.d: one client, one key.
    private static IPAddress Key(IPAddress? address) => address is null ? IPAddress.None : address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private sealed class Window
    {
        public DateTimeOffset Ends;
        public int Failures;
    }
}
