using System.Device.Gpio;

namespace TapRoom.ControllerAgent.Hardware.Gpio;

/// <summary>
/// The meter's input pin through <see cref="GpioController"/>: the driver calls back on every rising edge, and the
/// callback only increments the pulse counter (<see cref="Interlocked"/>) and wakes the dispatch thread. That thread
/// raises <see cref="Pulse"/> with the latest count, so slow subscribers never hold up the driver's event thread and no
/// edge is lost while they run (several edges during one dispatch arrive as one jump in the count).
/// </summary>
public sealed class GpioFlowMeter : IFlowMeter
{
    private readonly GpioController _controller;
    private readonly int _pin;
    private readonly PinChangeEventHandler _onEdge;
    private readonly SemaphoreSlim _edges = new(0);
    private readonly Thread _dispatcher;
    private volatile bool _stopping;
    private long _count;

    public GpioFlowMeter(GpioController controller, int pin, bool pullUp = true)
    {
        _controller = controller;
        _pin = pin;
        _onEdge = OnEdge;
        controller.OpenPin(pin, pullUp ? PinMode.InputPullUp : PinMode.Input);
        try
        {
            controller.RegisterCallbackForPinValueChangedEvent(pin, PinEventTypes.Rising, _onEdge);
        }
        catch
        {
            controller.ClosePin(pin);
            throw;
        }
        _dispatcher = new Thread(Dispatch) { IsBackground = true, Name = $"flow-meter-{pin}", Priority = ThreadPriority.AboveNormal };
        _dispatcher.Start();
    }

    public int Pin => _pin;
    public long PulseCount => Interlocked.Read(ref _count);
    public event Action<long>? Pulse;

    private void OnEdge(object sender, PinValueChangedEventArgs e)
    {
        Interlocked.Increment(ref _count);
        _edges.Release();
    }

    private void Dispatch()
    {
        long raised = 0;
        while (true)
        {
            _edges.Wait();
            if (_stopping) return;
            var count = Interlocked.Read(ref _count);
            if (count == raised) continue;
            raised = count;
            Pulse?.Invoke(count);
        }
    }

    public void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        try
        {
            _controller.UnregisterCallbackForPinValueChangedEvent(_pin, _onEdge);
            if (_controller.IsPinOpen(_pin)) _controller.ClosePin(_pin);
        }
        finally
        {
            _edges.Release();
            _dispatcher.Join(TimeSpan.FromSeconds(1));
        }
    }
}
