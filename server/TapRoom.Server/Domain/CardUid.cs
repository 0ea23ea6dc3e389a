namespace TapRoom.Server.Domain;

/// <summary>The one UID normalisation (<see cref="TapRoom.Contracts.CardUidFormat"/>), with the server's refusal.</summary>
public static class CardUid
{
    public static bool TryNormalize(string? raw, out string uid) => TapRoom.Contracts.CardUidFormat.TryNormalize(raw, out uid);

    public static string Normalize(string? raw) =>
        TryNormalize(raw, out var uid)
            ? uid
            : throw new DomainException("invalid_card_uid",
                "A card UID is 4, 7 or 10 bytes of hex (separators ':', '-' or ' ' allowed).",
                StatusCodes.Status400BadRequest);
}
