using Microsoft.Extensions.Logging;
using TapRoom.Contracts;
using TapRoom.ControllerAgent.Hardware;
using TapRoom.ControllerAgent.Pouring;

namespace TapRoom.ControllerAgent;

/// <summary>
/// Desk mode: a reader without a tap. Every presentation is forwarded as <c>CardPresented</c> and every removal as
/// <c>CardRemoved</c>; the same card presented again within the debounce window without a removal in between is not
/// forwarded twice. Nothing is queued while the link is down: a desk card read is only useful now.
/// </summary>
public sealed class DeskForwarder : IDisposable
{
    private readonly ICardReader _reader;
    private readonly IAgentLink _link;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _debounce;
    private readonly Lock _gate = new();
    private string? _current;
    private DateTime _currentAt;

    public DeskForwarder(ICardReader reader, IAgentLink link, TimeSpan debounce, TimeProvider time, ILogger logger)
    {
        _reader = reader;
        _link = link;
        _debounce = debounce;
        _time = time;
        _logger = logger;
        reader.Presented += OnPresented;
        reader.Removed += OnRemoved;
    }

    private void OnPresented(string raw)
    {
        var uid = TapRoom.Contracts.CardUidFormat.TryNormalize(raw, out var normalized) ? normalized : raw.Trim().ToUpperInvariant();
        var now = _time.GetUtcNow().UtcDateTime;
        lock (_gate)
        {
            if (uid == _current && now - _currentAt < _debounce) return;
            _current = uid;
            _currentAt = now;
        }
        Send(hub => hub.CardPresented(new CardPresentedMessage(_reader.ReaderId, uid, now)));
    }

    private void OnRemoved()
    {
        lock (_gate)
        {
            if (_current is null) return;
            _current = null;
        }
        Send(hub => hub.CardRemoved(new CardRemovedMessage(_reader.ReaderId, _time.GetUtcNow().UtcDateTime)));
    }

    private void Send(Func<IControllerHub, Task> send)
    {
        if (!_link.IsUp)
        {
            _logger.LogWarning("Desk reader {ReaderId}: card not forwarded, the server cannot be reached", _reader.ReaderId);
            return;
        }
        _ = Task.Run(async () =>
        {
            try
            {
                await send(_link.Hub);
            }
            catch (Exception ex)
            {
                _logger.LogWarning("Desk reader {ReaderId}: card event not forwarded: {Error}", _reader.ReaderId, ex.Message);
            }
        });
    }

    public void Dispose()
    {
        _reader.Presented -= OnPresented;
        _reader.Removed -= OnRemoved;
    }
}
