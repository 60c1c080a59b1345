namespace Bulwark.Server.Auth;

/// <summary>
/// What an API key may do. Ordered: each role may do what the roles before it may (an operator may read and check orders),
/// and nothing after it (an engine may check orders but not release a kill switch, which needs an operator).
/// </summary>
internal enum ApiRole
{
    /// <summary>Reads: status, history, the event stream.</summary>
    Viewer = 1,

    /// <summary>A trading engine: reads, order checks and executions.</summary>
    Engine = 2,

    /// <summary>A person on duty: the kill switch, drills, recoveries, switchover, incident actions.</summary>
    Operator = 3,

    /// <summary>Limits, and everything else.</summary>
    Admin = 4,
}

/// <summary>Role names as users write them (<c>viewer</c>, <c>engine</c>, <c>operator</c>, <c>admin</c>).</summary>
internal static class ApiRoles
{
    public static readonly ApiRole[] All = [ApiRole.Viewer, ApiRole.Engine, ApiRole.Operator, ApiRole.Admin];

    public static string Name(ApiRole role) => role switch
    {
        ApiRole.Viewer => "viewer",
        ApiRole.Engine => "engine",
        ApiRole.Operator => "operator",
        ApiRole.Admin => "admin",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "not a role"),
    };

    public static bool TryParse(string? text, out ApiRole role)
    {
        role = Array.Find(All, r => string.Equals(Name(r), text?.Trim(), StringComparison.OrdinalIgnoreCase));
        return role != 0;
    }

    /// <summary>Whether a key of role <paramref name="held"/> may do what needs <paramref name="needed"/>.</summary>
    public static bool Allows(ApiRole held, ApiRole needed) => held >= needed && Enum.IsDefined(held);
}
