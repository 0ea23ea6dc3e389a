using MediatR;

namespace TapRoom.Server.Infrastructure;

/// <summary>
/// Notifications raised while a command runs; published only after its transaction commits. A notification says
/// "this changed, look again" (a record compared by value), so an equal one raised twice by the same command is
/// published once, where it was first raised: a <c>SyncPours</c> batch of 100 pours on one keg, tap and visit raises
/// one <c>KegChangedNotification</c>, not 100, and so one keg-threshold check (each read the same committed state).
/// </summary>
public sealed class DomainEvents
{
    private readonly List<INotification> _pending = [];
    private readonly HashSet<INotification> _seen = [];

    public void Add(INotification notification)
    {
        if (_seen.Add(notification)) _pending.Add(notification);
    }

    public IReadOnlyList<INotification> Drain()
    {
        var copy = _pending.ToArray();
        Clear();
        return copy;
    }

    public void Clear()
    {
        _pending.Clear();
        _seen.Clear();
    }
}
