using System.Device.Gpio;

namespace TapRoom.ControllerAgent.Hardware.Gpio;

/// <summary>
/// The valve's output pin through <see cref="GpioController"/>. Opened at the closed level; closed again on dispose, on
/// process exit and on an unhandled exception (<see cref="ValveGuard"/>). <paramref name="activeHigh"/>: a high output
/// opens the valve (MOSFET or active-high relay); false for active-low relay boards.
/// </summary>
public sealed class GpioValve : IValve
{
    private readonly GpioController _controller;
    private readonly int _pin;
    private readonly PinValue _openLevel;
    private readonly PinValue _closedLevel;
    private readonly Lock _gate = new();
    private bool _open;
    private bool _disposed;

    public GpioValve(GpioController controller, int pin, bool activeHigh)
    {
        _controller = controller;
        _pin = pin;
        _openLevel = activeHigh ? PinValue.High : PinValue.Low;
        _closedLevel = activeHigh ? PinValue.Low : PinValue.High;
        controller.OpenPin(pin, PinMode.Output, _closedLevel);
        ValveGuard.Register(this);
    }

    public int Pin => _pin;
    public bool IsOpen => _open;

    public void Open() => Set(true);

    public void Close() => Set(false);

    private void Set(bool open)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                if (open) throw new ObjectDisposedException(nameof(GpioValve));
                return;
            }
            // Count the valve as open before driving it open, and as closed only once the pin is written: a failed
            // write then never leaves us believing a flowing valve is shut.
            if (open) _open = true;
            _controller.Write(_pin, open ? _openLevel : _closedLevel);
            if (!open) _open = false;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            try
            {
                _controller.Write(_pin, _closedLevel);
                _open = false;
            }
            finally
            {
                if (_controller.IsPinOpen(_pin)) _controller.ClosePin(_pin);
            }
        }
        ValveGuard.Unregister(this);
    }
}
