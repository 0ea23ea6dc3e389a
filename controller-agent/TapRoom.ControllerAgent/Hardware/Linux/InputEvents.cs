using System.Buffers.Binary;
using System.Text;

namespace TapRoom.ControllerAgent.Hardware.Linux;

/// <summary>One <c>struct input_event</c> without its timestamp.</summary>
public readonly record struct InputEvent(ushort Type, ushort Code, int Value)
{
    public const ushort EvKey = 1;
    public bool IsKeyPress => Type == EvKey && Value == 1;
}

/// <summary>
/// Parses <c>struct input_event { struct timeval time; __u16 type; __u16 code; __s32 value; }</c> as the kernel writes it
/// to /dev/input/eventN: 24 bytes on 64-bit (two 8-byte longs of time), 16 bytes on 32-bit, little-endian.
/// </summary>
public static class InputEventParser
{
    public static int EventSize(bool is64Bit) => is64Bit ? 24 : 16;

    public static InputEvent Parse(ReadOnlySpan<byte> bytes, bool is64Bit)
    {
        var timeSize = is64Bit ? 16 : 8;
        if (bytes.Length < timeSize + 8) throw new ArgumentException($"An input_event is {timeSize + 8} bytes; got {bytes.Length}.", nameof(bytes));
        var rest = bytes[timeSize..];
        return new InputEvent(BinaryPrimitives.ReadUInt16LittleEndian(rest), BinaryPrimitives.ReadUInt16LittleEndian(rest[2..]),
            BinaryPrimitives.ReadInt32LittleEndian(rest[4..]));
    }

    /// <summary>Every whole event in <paramref name="buffer"/>; a trailing partial event is left for the next read.</summary>
    public static IEnumerable<InputEvent> ParseAll(byte[] buffer, int length, bool is64Bit)
    {
        var size = EventSize(is64Bit);
        for (var offset = 0; offset + size <= length; offset += size) yield return Parse(buffer.AsSpan(offset, size), is64Bit);
    }
}

/// <summary>
/// A USB card reader that types the UID like a keyboard and ends it with Enter. Key presses become characters
/// (US layout, shift respected, keypad digits included); Enter yields the line. Everything else is ignored.
/// </summary>
public sealed class KeyboardLineDecoder
{
    private const ushort KeyLeftShift = 42, KeyRightShift = 54, KeyEnter = 28, KeyKeypadEnter = 96;
    private static readonly Dictionary<ushort, char> Keys = BuildMap();
    private readonly StringBuilder _line = new();
    private bool _shift;

    /// <summary>Feeds one event; returns the completed line on Enter, otherwise null.</summary>
    public string? Feed(InputEvent e)
    {
        if (e.Type != InputEvent.EvKey) return null;
        if (e.Code is KeyLeftShift or KeyRightShift)
        {
            _shift = e.Value != 0;
            return null;
        }
        if (e.Value != 1) return null;
        if (e.Code is KeyEnter or KeyKeypadEnter)
        {
            var line = _line.ToString();
            _line.Clear();
            return line.Length > 0 ? line : null;
        }
        if (_line.Length < 64 && Keys.TryGetValue(e.Code, out var c)) _line.Append(_shift ? ShiftOf(c) : c);
        return null;
    }

    public static char? CharOf(ushort code, bool shift = false) => Keys.TryGetValue(code, out var c) ? shift ? ShiftOf(c) : c : null;

    private static char ShiftOf(char c) => c switch
    {
        ';' => ':',
        '-' => '_',
        _ => char.ToUpperInvariant(c),
    };

    private static Dictionary<ushort, char> BuildMap()
    {
        var map = new Dictionary<ushort, char>();
        // KEY_1..KEY_9 = 2..10, KEY_0 = 11
        for (var i = 1; i <= 9; i++) map[(ushort)(i + 1)] = (char)('0' + i);
        map[11] = '0';
        void Row(int first, string chars)
        {
            for (var i = 0; i < chars.Length; i++) map[(ushort)(first + i)] = chars[i];
        }
        Row(16, "qwertyuiop");
        Row(30, "asdfghjkl;");
        Row(44, "zxcvbnm");
        map[12] = '-';
        map[57] = ' ';
        // keypad: KP7 KP8 KP9 = 71..73, KP4..KP6 = 75..77, KP1..KP3 = 79..81, KP0 = 82
        Row(71, "789");
        Row(75, "456");
        Row(79, "123");
        map[82] = '0';
        return map;
    }
}

/// <summary>What a reader's line means as a card UID.</summary>
public static class UidLines
{
    /// <summary>
    /// Hex lines are normalised as the server does. Readers set to "decimal" type the 4-byte UID as a 10-digit
    /// number; <paramref name="decimalReader"/> turns that back into 8 hex digits.
    /// </summary>
    public static string? ToUid(string line, bool decimalReader)
    {
        var text = line.Trim();
        if (decimalReader && text.Length is > 0 and <= 10 && text.All(char.IsAsciiDigit) && ulong.TryParse(text, out var n) && n <= uint.MaxValue)
            return ((uint)n).ToString("X8");
        return TapRoom.Contracts.CardUidFormat.TryNormalize(text, out var uid) ? uid : null;
    }
}
