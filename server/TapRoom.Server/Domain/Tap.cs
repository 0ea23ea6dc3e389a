using TapRoom.Contracts;

namespace TapRoom.Server.Domain;

public class Tap
{
    public Guid Id { get; set; }
    public Guid LocationId { get; set; }
    public int Number { get; set; }
    public required string Name { get; set; }
    public TapStatus Status { get; set; } = TapStatus.OutOfKeg;
    public Guid? KegId { get; set; }
    public Keg? Keg { get; set; }
    public Guid? ControllerId { get; set; }
    public Controller? Controller { get; set; }
    /// <summary>The beer of the keg connected last, for the FIFO suggestion once the keg is gone.</summary>
    public Guid? LastBeerTypeId { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>This tap's meter factor from a guided calibration; null: the controller's <see cref="Controller.PulsesPerLiter"/>.</summary>
    public int? PulsesPerLiter { get; set; }
}

public class Controller
{
    public Guid Id { get; set; }
    public Guid LocationId { get; set; }
    public required string Name { get; set; }
    /// <summary>SHA-256 of the API key, hex. The key itself is shown once and never stored.</summary>
    public required string ApiKeyHash { get; set; }
    /// <summary>The first characters of the key, to tell keys apart in lists.</summary>
    public required string ApiKeyPrefix { get; set; }
    public int PulsesPerLiter { get; set; } = 5600;
    public bool IsOnline { get; set; }
    public DateTime? LastSeenAt { get; set; }
    public string? AgentVersion { get; set; }
    public DateTime? RevokedAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public List<Tap> Taps { get; set; } = [];
}
