using System.Text.Json.Serialization;

namespace TapRoom.Contracts;

/// <summary>Routes a controller with no key uses to join (CONTRACT.md, "Pairing"); no sign-in, rate-limited.</summary>
public static class PairingRoutes
{
    public const string Start = "/api/controllers/pairing";
    public static string Poll(Guid pairingId, string pollToken) => $"/api/controllers/pairing/{pairingId}?pollToken={Uri.EscapeDataString(pollToken)}";
    /// <summary>
    /// The problem code of the 401 a revoked key gets at <c>/hubs/controller</c> (an unknown key's 401 has the plain
    /// <c>unauthenticated</c>): its agent deletes the key and pairs again.
    /// </summary>
    public const string RevokedProblemCode = "controller_revoked";
}

/// <summary><c>POST /api/controllers/pairing</c>: a controller with no key asks for a code.</summary>
public sealed record StartPairingRequest(string AgentVersion, string HardwareId);

/// <summary>The code to show (6 digits), and what the controller polls with; the code expires at <c>ExpiresAt</c>.</summary>
public sealed record PairingStarted(Guid PairingId, string Code, string PollToken, DateTime ExpiresAt);

[JsonConverter(typeof(SnakeCaseEnumConverter<PairingStatus>))]
public enum PairingStatus { Waiting, Adopted, Expired }

/// <summary><c>GET /api/controllers/pairing/{pairingId}?pollToken=</c>: <c>ApiKey</c> is set on the first poll after adoption, never again.</summary>
public sealed record PairingPollResult(PairingStatus Status, string? ApiKey = null);
