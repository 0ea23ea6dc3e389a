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
    /// Changes whenever all the user's sessions must end (sign-out everywhere, password, role, deactivation). Every sign-in cookie
    /// carries the stamp it was issued with; a cookie whose stamp no longer matches is refused (docs/adr/0029).
    /// </summary>
    public string SecurityStamp { get; set; } = NewSecurityStamp();

    public static string NewSecurityStamp() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    /// <summary>Ends every session of this user: cookies issued before now stop working on their next request.</summary>
    public void EndSessions() => SecurityStamp = NewSecurityStamp();

    public bool HasAtLeast(StaffRole role) => Role >= role;

    /// <summary>The venues a staff member or manager works at; an admin runs the whole chain and needs none.</summary>
    public List<StaffLocation> Locations { get; set; } = [];
}

/// <summary>A staff member's or manager's membership of one venue.</summary>
public class StaffLocation
{
    public Guid StaffUserId { get; set; }
    public Guid LocationId { get; set; }
}

/// <summary>
/// One sign-in: the cookie carries its id, and signing out ends this row only, so the user's other browsers stay signed
/// in (docs/adr/0081). Ending every session is the security stamp's job (<see cref="StaffUser.EndSessions"/>).
/// </summary>
public class StaffSession
{
    /// <summary>How long a cookie lives without being used (the cookie's sliding expiry); a row unseen for longer is dead.</summary>
    public static readonly TimeSpan IdleLifetime = TimeSpan.FromHours(14);

    public Guid Id { get; set; }
    public Guid StaffUserId { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>When the cookie was last issued or renewed (sliding expiry renews it at most every half lifetime).</summary>
    public DateTime LastSeenAt { get; set; }
    public DateTime? EndedAt { get; set; }
}
