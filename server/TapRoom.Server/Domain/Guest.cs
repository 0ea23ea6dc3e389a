using TapRoom.Contracts;

namespace TapRoom.Server.Domain;

public class Guest
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public string? Phone { get; set; }
    public string? Email { get; set; }
    public DateOnly DateOfBirth { get; set; }
    public GuestStatus Status { get; set; } = GuestStatus.Active;
    public DateTime CreatedAt { get; set; }

    public int AgeOn(DateOnly day)
    {
        var age = day.Year - DateOfBirth.Year;
        if (DateOfBirth > day.AddYears(-age)) age--;
        return age;
    }
}

public class Card
{
    public Guid Id { get; set; }
    /// <summary>Normalised UID (see <see cref="CardUid.Normalize"/>).</summary>
    public required string Uid { get; set; }
    public Guid? GuestId { get; set; }
    public Guest? Guest { get; set; }
    public CardStatus Status { get; set; } = CardStatus.Inactive;
    public DateTime CreatedAt { get; set; }
}
