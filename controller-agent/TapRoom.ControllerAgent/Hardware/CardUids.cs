using System.Text;

namespace TapRoom.ControllerAgent.Hardware;

/// <summary>The same UID normalisation as the server: upper-case hex, no separators; 4, 7 or 10 bytes.</summary>
public static class CardUids
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
