using System.Runtime.InteropServices;

namespace TapRoom.ControllerAgent.Hardware.Linux;

/// <summary>
/// The few functions of libgpiod v1 (<c>libgpiod.so.2</c>, Debian/Raspberry Pi OS package <c>libgpiod2</c>) the agent
/// needs. System.Device.Gpio is not available here (docs/adr/0003-hardware-behind-interfaces.md).
/// </summary>
internal static partial class LibGpiod
{
    private const string Lib = "libgpiod.so.2";

    public const int RequestFlagBiasPullDown = 1 << 4;
    public const int RequestFlagBiasPullUp = 1 << 5;

    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public nint Seconds;
        public nint Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct LineEvent
    {
        public Timespec Timestamp;
        public int EventType;
    }

    [LibraryImport(Lib, EntryPoint = "gpiod_chip_open_by_name", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint ChipOpenByName(string name);

    [LibraryImport(Lib, EntryPoint = "gpiod_chip_close")]
    public static partial void ChipClose(nint chip);

    [LibraryImport(Lib, EntryPoint = "gpiod_chip_get_line")]
    public static partial nint ChipGetLine(nint chip, uint offset);

    [LibraryImport(Lib, EntryPoint = "gpiod_line_request_output", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int LineRequestOutput(nint line, string consumer, int defaultValue);

    [LibraryImport(Lib, EntryPoint = "gpiod_line_request_rising_edge_events_flags", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int LineRequestRisingEdgeEventsFlags(nint line, string consumer, int flags);

    [LibraryImport(Lib, EntryPoint = "gpiod_line_set_value")]
    public static partial int LineSetValue(nint line, int value);

    [LibraryImport(Lib, EntryPoint = "gpiod_line_event_wait")]
    public static partial int LineEventWait(nint line, in Timespec timeout);

    [LibraryImport(Lib, EntryPoint = "gpiod_line_event_read_multiple")]
    public static unsafe partial int LineEventReadMultiple(nint line, LineEvent* events, uint count);

    [LibraryImport(Lib, EntryPoint = "gpiod_line_release")]
    public static partial void LineRelease(nint line);

    public static nint OpenChip(string name)
    {
        var chip = ChipOpenByName(name);
        if (chip == 0) throw new IOException($"Cannot open GPIO chip {name} (errno {Marshal.GetLastPInvokeError()}).");
        return chip;
    }

    public static nint Line(nint chip, int offset)
    {
        var line = ChipGetLine(chip, (uint)offset);
        if (line == 0) throw new IOException($"GPIO line {offset} does not exist.");
        return line;
    }
}
