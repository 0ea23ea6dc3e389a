namespace TapRoom.ControllerAgent.Hardware;

/// <summary>A card reader: a card entered the field (with its UID) or left it. UIDs arrive normalised.</summary>
public interface ICardReader : IDisposable
{
    string ReaderId { get; }
    event Action<string>? Presented;
    event Action? Removed;
}

/// <summary>A pulse flow meter. The count only grows for the life of the process; consumers work with differences.</summary>
public interface IFlowMeter : IDisposable
{
    long PulseCount { get; }
    event Action<long>? Pulse;
}

/// <summary>
/// A normally closed solenoid valve. Closed when constructed, and closed again by <see cref="IDisposable.Dispose"/>;
/// implementations register with <see cref="ValveGuard"/> so that process exit and unhandled exceptions close it too.
/// </summary>
public interface IValve : IDisposable
{
    bool IsOpen { get; }
    void Open();
    void Close();
}

/// <summary>One tap's hardware.</summary>
public sealed record TapHardware(IValve Valve, IFlowMeter Meter, ICardReader Reader) : IDisposable
{
    public void Dispose()
    {
        Valve.Dispose();
        Meter.Dispose();
        Reader.Dispose();
    }
}

/// <summary>Closes every live valve when the process exits or an exception goes unhandled (the last line of defence).</summary>
public static class ValveGuard
{
    private static readonly HashSet<IValve> Valves = [];
    private static int _hooked;

    public static void Register(IValve valve)
    {
        if (Interlocked.Exchange(ref _hooked, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => CloseAll();
            AppDomain.CurrentDomain.UnhandledException += OnUnhandledException;
        }
        lock (Valves) Valves.Add(valve);
    }

    public static void Unregister(IValve valve)
    {
        lock (Valves) Valves.Remove(valve);
    }

    /// <summary>The handler on <see cref="AppDomain.UnhandledException"/> (internal so that tests can raise it without crashing).</summary>
    internal static void OnUnhandledException(object? sender, UnhandledExceptionEventArgs e) => CloseAll();

    public static void CloseAll()
    {
        IValve[] all;
        lock (Valves) all = [.. Valves];
        foreach (var valve in all)
        {
            try { valve.Close(); } catch (Exception) { /* keep closing the others */ }
        }
    }
}
