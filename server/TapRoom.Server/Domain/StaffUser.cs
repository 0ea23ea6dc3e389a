using TapRoom.Contracts;

namespace TapRoom.Server.Domain;

public class StaffUser
{
    public Guid Id { get; set; }
    public required string Login { get; set; }
    public required string Name { get; set; }
    public required string PasswordHash { get; set; }
    public StaffRole Role { get; set; }
    public bool IsActive { get; set; } = true;
    public DateTime CreatedAt { get; set; }
    /// <summary>
    /// Changes whenever the user's sessions must end (sign-out, password, role, deactivation). Every sign-in cookie
    /// carries the stamp it was issued with; a cookie whose stamp no longer matches is refused (docs/adr/0029).
    /// </summary>
    public string SecurityStamp { get; set; } = NewSecurityStamp();

    public static string NewSecurityStamp() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    /// <summary>Ends every session of this user: cookies issued before now stop working on their next request.</summary>
    public void EndSessions() => SecurityStamp = NewSecurityStamp();

    public bool HasAtLeast(StaffRole role) => Role >= role;
}
