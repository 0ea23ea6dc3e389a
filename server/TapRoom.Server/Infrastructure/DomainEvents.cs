using MediatR;

namespace TapRoom.Server.Infrastructure;

/// <summary>Notifications raised while a command runs; published only after its transaction commits.</summary>
public sealed class DomainEvents
{
    private readonly List<INotification> _pending = [];

    public void Add(INotification notification) => _pending.Add(notification);

    public IReadOnlyList<INotification> Drain()
    {
        var copy = _pending.ToArray();
        _pending.Clear();
        return copy;
    }

    public void Clear() => _pending.Clear();
}
