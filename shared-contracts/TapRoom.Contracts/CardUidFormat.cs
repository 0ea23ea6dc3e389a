using System.Text;

namespace TapRoom.Contracts;

/// <summary>
/// The one UID normalisation, used by the server, the agent and the desk: upper-case hex without separators
/// (':', '-' or ' ' are dropped), 4, 7 or 10 bytes. "04:a2:2b:1c", "04A22B1C" and "04 a2 2b 1c" are the same card.
/// </summary>
public static class CardUidFormat
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
}
