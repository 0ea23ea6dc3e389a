using System.Security.Cryptography;

namespace TapRoom.Server.Domain;

/// <summary>
/// A controller with no key asking to join (CONTRACT.md, "Pairing"). It shows <see cref="Code"/>; an admin adopts it by
/// that code within <see cref="Lifetime"/>; its first poll after that takes the new controller's key, and no later poll
/// gets it again. Neither the poll token nor the key is stored: only their hashes.
/// </summary>
public class ControllerPairing
{
    /// <summary>How long a code can be adopted.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    public Guid Id { get; set; }
    /// <summary>Six digits; unique among the pairings still waiting.</summary>
    public required string Code { get; set; }
    /// <summary>SHA-256 of the token the controller polls with, hex.</summary>
    public required string PollTokenHash { get; set; }
    public required string AgentVersion { get; set; }
    public required string HardwareId { get; set; }
    public string? RemoteAddress { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime ExpiresAt { get; set; }
    public DateTime? AdoptedAt { get; set; }
    public Guid? ControllerId { get; set; }
    /// <summary>When the key went to the controller (its first poll after adoption): never again after this.</summary>
    public DateTime? KeyDeliveredAt { get; set; }

    public static string NewCode() => RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    public static string NewPollToken() => "tpp_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    public bool IsWaiting(DateTime now) => AdoptedAt is null && now < ExpiresAt;

    public void Adopt(Guid controllerId, DateTime now)
    {
        if (!IsWaiting(now))
            throw new DomainException("pairing_code_unknown", "No controller is waiting with this code (codes expire after 10 minutes).", StatusCodes.Status404NotFound);
        AdoptedAt = now;
        ControllerId = controllerId;
    }
}
