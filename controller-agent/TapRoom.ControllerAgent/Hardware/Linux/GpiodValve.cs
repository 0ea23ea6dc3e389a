namespace TapRoom.ControllerAgent.Hardware.Linux;

/// <summary>The valve's output line. Requested at the closed level; closed again on dispose and on process exit.</summary>
public sealed class GpiodValve : IValve
{
    private readonly nint _chip;
    private readonly nint _line;
    private readonly int _openLevel;
    private readonly Lock _gate = new();
    private bool _open;
    private bool _disposed;

    public GpiodValve(string chip, int line, bool activeHigh)
    {
        _openLevel = activeHigh ? 1 : 0;
        _chip = LibGpiod.OpenChip(chip);
        _line = LibGpiod.Line(_chip, line);
        if (LibGpiod.LineRequestOutput(_line, "taproom-valve", 1 - _openLevel) < 0)
        {
            LibGpiod.ChipClose(_chip);
            throw new IOException($"Cannot request GPIO line {line} of {chip} as output (in use?).");
        }
        ValveGuard.Register(this);
    }

    public bool IsOpen => _open;

    public void Open() => Set(true);

    public void Close() => Set(false);

    private void Set(bool open)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                if (open) throw new ObjectDisposedException(nameof(GpiodValve));
                return;
            }
            if (LibGpiod.LineSetValue(_line, open ? _openLevel : 1 - _openLevel) < 0 && open)
                throw new IOException("Cannot set the valve line.");
            _open = open;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            LibGpiod.LineSetValue(_line, 1 - _openLevel);
            _open = false;
            _disposed = true;
            LibGpiod.LineRelease(_line);
            LibGpiod.ChipClose(_chip);
        }
        ValveGuard.Unregister(this);
    }
}
