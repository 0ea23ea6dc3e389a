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

    public bool HasAtLeast(StaffRole role) => Role >= role;
}
