namespace TapRoom.ControllerAgent.Hardware.Linux;

/// <summary>The meter's input line: a thread waits for rising edges (kernel-timestamped, none lost while we are busy) and counts them.</summary>
public sealed class GpiodFlowMeter : IFlowMeter
{
    private readonly nint _chip;
    private readonly nint _line;
    private readonly Thread _thread;
    private volatile bool _stopping;
    private long _count;

    public GpiodFlowMeter(string chip, int line, bool pullUp = true)
    {
        _chip = LibGpiod.OpenChip(chip);
        _line = LibGpiod.Line(_chip, line);
        var flags = pullUp ? LibGpiod.RequestFlagBiasPullUp : 0;
        if (LibGpiod.LineRequestRisingEdgeEventsFlags(_line, "taproom-meter", flags) < 0)
        {
            LibGpiod.ChipClose(_chip);
            throw new IOException($"Cannot request edge events on GPIO line {line} of {chip}.");
        }
        _thread = new Thread(Run) { IsBackground = true, Name = $"flow-meter-{line}", Priority = ThreadPriority.AboveNormal };
        _thread.Start();
    }

    public long PulseCount => Interlocked.Read(ref _count);
    public event Action<long>? Pulse;

    private unsafe void Run()
    {
        var timeout = new LibGpiod.Timespec { Seconds = 0, Nanoseconds = 200_000_000 };
        var events = stackalloc LibGpiod.LineEvent[16];
        while (!_stopping)
        {
            var ready = LibGpiod.LineEventWait(_line, in timeout);
            if (ready <= 0) continue;
            var n = LibGpiod.LineEventReadMultiple(_line, events, 16);
            for (var i = 0; i < n; i++) Pulse?.Invoke(Interlocked.Increment(ref _count));
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _thread.Join(TimeSpan.FromSeconds(1));
        LibGpiod.LineRelease(_line);
        LibGpiod.ChipClose(_chip);
    }
}
