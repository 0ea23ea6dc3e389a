using System.Collections.Concurrent;
using System.Device.Gpio;

namespace TapRoom.ControllerAgent.Tests.Hardware;

/// <summary>
/// A <see cref="GpioDriver"/> for tests, under a real <see cref="GpioController"/>: <see cref="Rise"/> fires edges on an
/// input pin the way libgpiod's event thread does (callbacks registered for rising edges), and every write to an output
/// pin is recorded with the number of edges fired before it.
/// </summary>
public sealed class FakeGpioDriver : GpioDriver
{
    private readonly ConcurrentDictionary<int, PinMode> _modes = new();
    private readonly ConcurrentDictionary<int, PinValue> _values = new();
    private readonly ConcurrentDictionary<int, (PinEventTypes Events, PinChangeEventHandler Handler)[]> _callbacks = new();
    private long _edges;

    public ConcurrentQueue<(int Pin, PinValue Value, long EdgesBefore)> Writes { get; } = new();
    public HashSet<int> OpenPins { get; } = [];
    public long EdgesFired => Interlocked.Read(ref _edges);

    public PinValue ValueOf(int pin) => _values.GetValueOrDefault(pin, PinValue.Low);
    public PinMode? ModeOf(int pin) => _modes.TryGetValue(pin, out var m) ? m : null;

    /// <summary>One rising edge on <paramref name="pin"/>: calls the registered callbacks on this thread.</summary>
    public void Rise(int pin)
    {
        Interlocked.Increment(ref _edges);
        foreach (var (events, handler) in _callbacks.GetValueOrDefault(pin, []))
            if (events.HasFlag(PinEventTypes.Rising)) handler(this, new PinValueChangedEventArgs(PinEventTypes.Rising, pin));
    }

    protected override int PinCount => 54;

    protected override void OpenPin(int pinNumber)
    {
        lock (OpenPins) OpenPins.Add(pinNumber);
    }

    protected override void ClosePin(int pinNumber)
    {
        lock (OpenPins) OpenPins.Remove(pinNumber);
        _callbacks.TryRemove(pinNumber, out _);
    }

    protected override void SetPinMode(int pinNumber, PinMode mode) => _modes[pinNumber] = mode;

    protected override PinMode GetPinMode(int pinNumber) => _modes.GetValueOrDefault(pinNumber, PinMode.Input);

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;

    protected override PinValue Read(int pinNumber) => ValueOf(pinNumber);

    protected override void Write(int pinNumber, PinValue value)
    {
        _values[pinNumber] = value;
        Writes.Enqueue((pinNumber, value, EdgesFired));
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
        throw new NotSupportedException("TapRoom uses callbacks, not waits.");

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback) =>
        _callbacks.AddOrUpdate(pinNumber, [(eventTypes, callback)], (_, list) => [.. list, (eventTypes, callback)]);

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback) =>
        _callbacks.AddOrUpdate(pinNumber, [], (_, list) => list.Where(c => c.Handler != callback).ToArray());

    public int CallbackCount(int pin) => _callbacks.GetValueOrDefault(pin, []).Length;
}
