using System.Buffers.Binary;
using TapRoom.ControllerAgent.Hardware;
using TapRoom.ControllerAgent.Hardware.Linux;

namespace TapRoom.ControllerAgent.Tests.Hardware;

public sealed class InputEventTests
{
    private const ushort EvSyn = 0, EvKey = 1, EvMsc = 4, LeftShift = 42, Enter = 28;

    /// <summary>Bytes as the kernel writes them: timeval (two longs), type, code, value; little-endian.</summary>
    private static byte[] Event(ushort type, ushort code, int value, bool is64 = true)
    {
        var time = is64 ? 16 : 8;
        var bytes = new byte[time + 8];
        if (is64)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes, 1_763_740_800);
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8), 123_456);
        }
        else
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes, 1_763_740_800);
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), 123_456);
        }
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(time), type);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(time + 2), code);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(time + 4), value);
        return bytes;
    }

    /// <summary>What a keyboard-wedge reader sends for one key: MSC_SCAN, press, SYN, release, SYN.</summary>
    private static IEnumerable<byte[]> Key(ushort code, bool is64 = true) =>
    [
        Event(EvMsc, 4, 0x70000 + code, is64), Event(EvKey, code, 1, is64), Event(EvSyn, 0, 0, is64),
        Event(EvKey, code, 0, is64), Event(EvSyn, 0, 0, is64),
    ];

    private static byte[] Typed(string keys, bool is64 = true)
    {
        var codes = new Dictionary<char, ushort>
        {
            ['0'] = 11, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
            ['a'] = 30, ['b'] = 48, ['c'] = 46, ['d'] = 32, ['e'] = 18, ['f'] = 33, [':'] = 39, ['\n'] = Enter,
        };
        var stream = new List<byte>();
        foreach (var ch in keys)
        {
            var shifted = ch == ':' || char.IsUpper(ch);
            if (shifted) stream.AddRange(Event(EvKey, LeftShift, 1, is64));
            foreach (var e in Key(codes[char.ToLowerInvariant(ch)], is64)) stream.AddRange(e);
            if (shifted) stream.AddRange(Event(EvKey, LeftShift, 0, is64));
        }
        return [.. stream];
    }

    [Theory]
    [InlineData(true, 24)]
    [InlineData(false, 16)]
    public void An_input_event_is_parsed_from_the_kernels_bytes(bool is64, int size)
    {
        var bytes = Event(EvKey, 30, 1, is64);
        Assert.Equal(size, bytes.Length);
        Assert.Equal(size, InputEventParser.EventSize(is64));
        var e = InputEventParser.Parse(bytes, is64);
        Assert.Equal(new InputEvent(EvKey, 30, 1), e);
        Assert.True(e.IsKeyPress);
        Assert.Throws<ArgumentException>(() => InputEventParser.Parse(bytes.AsSpan(0, size - 1), is64));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_reader_typing_a_uid_and_enter_yields_one_line_and_a_partial_event_waits(bool is64)
    {
        var bytes = Typed("04a1b2c3\n", is64);
        var size = InputEventParser.EventSize(is64);
        var decoder = new KeyboardLineDecoder();
        var lines = new List<string>();
        // Feed in reads that cut events in half, as a read() may.
        var pending = new List<byte>();
        foreach (var chunk in bytes.Chunk(size * 3 + size / 2))
        {
            pending.AddRange(chunk);
            var buffer = pending.ToArray();
            var whole = buffer.Length / size * size;
            foreach (var e in InputEventParser.ParseAll(buffer, buffer.Length, is64))
                if (decoder.Feed(e) is { } line) lines.Add(line);
            pending = [.. buffer[whole..]];
        }
        Assert.Equal(["04a1b2c3"], lines);
        Assert.Equal("04A1B2C3", UidLines.ToUid(lines[0], decimalReader: false));
    }

    [Fact]
    public void Shift_separators_and_the_keypad_map_to_characters()
    {
        var decoder = new KeyboardLineDecoder();
        string? line = null;
        var bytes = Typed("04:A1:B2:C3:D4:E5:F6\n");
        foreach (var e in InputEventParser.ParseAll(bytes, bytes.Length, true)) line = decoder.Feed(e) ?? line;
        Assert.Equal("04:A1:B2:C3:D4:E5:F6", line);
        Assert.Equal("04A1B2C3D4E5F6", UidLines.ToUid(line!, false));
        Assert.Equal('7', KeyboardLineDecoder.CharOf(71));
        Assert.Equal('0', KeyboardLineDecoder.CharOf(82));
        Assert.Equal('q', KeyboardLineDecoder.CharOf(16));
        Assert.Null(KeyboardLineDecoder.CharOf(1)); // ESC
    }

    [Fact]
    public void Decimal_readers_and_garbage_lines()
    {
        Assert.Equal("C3B2A104", UidLines.ToUid("3283263748", decimalReader: true));
        Assert.Null(UidLines.ToUid("hello", false));
        Assert.Null(UidLines.ToUid("04A1B2", false));
        Assert.Null(UidLines.ToUid("99999999999", true));
    }

    [Fact]
    public void Repeated_reads_make_one_presentation_and_silence_makes_a_removal()
    {
        var t = new DateTime(2026, 11, 21, 18, 0, 0, DateTimeKind.Utc);
        var debouncer = new CardReadDebouncer(TimeSpan.FromMilliseconds(800));
        var events = new List<string>();
        debouncer.Presented += uid => events.Add("+" + uid);
        debouncer.Removed += () => events.Add("-");
        for (var i = 0; i < 10; i++)
        {
            debouncer.Read("04A1B2C3", t.AddMilliseconds(300 * i));
            debouncer.Tick(t.AddMilliseconds(300 * i + 100));
        }
        debouncer.Tick(t.AddMilliseconds(2700 + 799));
        Assert.Equal(["+04A1B2C3"], events);
        debouncer.Tick(t.AddMilliseconds(2700 + 800));
        debouncer.Read("04A1B2C4", t.AddSeconds(5));
        debouncer.Read("04A1B2C5", t.AddSeconds(5.1));
        Assert.Equal(["+04A1B2C3", "-", "+04A1B2C4", "-", "+04A1B2C5"], events);
    }
}
