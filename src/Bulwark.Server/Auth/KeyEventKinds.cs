namespace Bulwark.Server.Auth;

/// <summary>Audit events of API keys (never the key itself). Never rename one: stores and tools match on them.</summary>
internal static class KeyEventKinds
{
    /// <summary>A key was added: subject <c>key:NAME</c>, actor who added it, the role in the cause.</summary>
    public const string Added = "server.key_added";

    /// <summary>A key was revoked: subject <c>key:NAME</c>, actor who revoked it.</summary>
    public const string Revoked = "server.key_revoked";
}
