using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Bulwark.Server.Auth;

/// <summary>
/// New keys and their hashes. A key is <c>bwk_</c> and 256 random bits (base64url): with that much entropy a single
/// SHA-256 is enough to store it, because guessing a key is as hard as guessing 256 bits whatever the hash costs; slow
/// password hashes (PBKDF2, Argon2) exist for low-entropy human passwords and would cost milliseconds on every request.
/// The <c>bwk_</c> prefix lets secret scanners and people recognise a leaked key.
/// </summary>
internal static class ApiKeySecret
{
    public const string Prefix = "bwk_";

    private const int SecretBytes = 32;

    /// <summary>A new key, from the operating system's cryptographic random generator.</summary>
    public static string Generate() => Prefix + WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(SecretBytes));

    /// <summary>A new short id for a key (not secret): 12 hex digits.</summary>
    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    /// <summary>The SHA-256 of the key's UTF-8 bytes: what the store keeps.</summary>
    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>Whether <paramref name="key"/> has the shape of a key this code makes (so garbage is refused before the store is asked).</summary>
    public static bool HasKeyShape(string key) =>
        key.Length == Prefix.Length + 43 && key.StartsWith(Prefix, StringComparison.Ordinal) &&
        key.AsSpan(Prefix.Length).IndexOfAnyExcept("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") < 0;
}
