namespace TapRoom.ControllerAgent.Hardware;

/// <summary>
/// Turns raw reads of a reader that repeats the UID while a card is in its field into one presentation:
/// <c>Presented</c> on the first read, nothing for repeats, <c>Removed</c> once no read came for
/// <see cref="PresenceTimeout"/>. No I/O, no clock of its own: the driver feeds reads and ticks.
/// </summary>
public sealed class CardReadDebouncer(TimeSpan presenceTimeout)
{
    public TimeSpan PresenceTimeout { get; } = presenceTimeout;
    public string? Current { get; private set; }
    private DateTime _lastRead;

    public event Action<string>? Presented;
    public event Action? Removed;

    public void Read(string uid, DateTime now)
    {
        if (Current == uid)
        {
            _lastRead = now;
            return;
        }
        if (Current is not null) Removed?.Invoke();
        Current = uid;
        _lastRead = now;
        Presented?.Invoke(uid);
    }

    public void Tick(DateTime now)
    {
        if (Current is null || now - _lastRead < PresenceTimeout) return;
        Current = null;
        Removed?.Invoke();
    }
}
