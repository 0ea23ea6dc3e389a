using System.Text;

namespace TapRoom.Server.Domain;

/// <summary>The one UID normalisation: upper-case hex, no separators; 4, 7 or 10 bytes.</summary>
public static class CardUid
{
    public static bool TryNormalize(string? raw, out string uid)
    {
        uid = "";
        if (string.IsNullOrWhiteSpace(raw) || raw.Length > 64) return false;
        var sb = new StringBuilder(raw.Length);
        foreach (var c in raw.Trim())
        {
            if (c is ':' or '-' or ' ') continue;
            if (!Uri.IsHexDigit(c)) return false;
            sb.Append(char.ToUpperInvariant(c));
        }
        if (sb.Length is not (8 or 14 or 20)) return false;
        uid = sb.ToString();
        return true;
    }

    public static string Normalize(string? raw) =>
        TryNormalize(raw, out var uid)
            ? uid
            : throw new DomainException("invalid_card_uid",
                "A card UID is 4, 7 or 10 bytes of hex (separators ':', '-' or ' ' allowed).",
                StatusCodes.Status400BadRequest);
}
