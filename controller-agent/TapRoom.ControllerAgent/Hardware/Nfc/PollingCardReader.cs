using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TapRoom.Contracts;

namespace TapRoom.ControllerAgent.Hardware.Nfc;

/// <summary>One look into a reader's field: the UID of the ISO 14443A card there (raw bytes), or null for none.</summary>
public interface ICardPoller : IDisposable
{
    byte[]? Poll();
}

/// <summary>
/// The reader logic for an NFC chip (no driver code in it): asks its <see cref="ICardPoller"/> every
/// <paramref name="pollInterval"/>, and feeds what it sees into <see cref="CardReadDebouncer"/>, which reports the UID when
/// a card enters the field and "removed" once no read has seen it for the presence timeout. A poll that throws (a bus
/// error) counts as "no card" and is logged once until polls succeed again. <see cref="PollOnce"/> is the loop's body,
/// so tests drive it without the thread.
/// </summary>
public sealed class PollingCardReader : ICardReader
{
    private readonly ICardPoller _poller;
    private readonly CardReadDebouncer _debouncer;
    private readonly TimeProvider _time;
    private readonly TimeSpan _pollInterval;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private Thread? _thread;
    private bool _failing;

    public PollingCardReader(string readerId, ICardPoller poller, TimeSpan presenceTimeout, TimeSpan pollInterval, TimeProvider? time = null,
        ILogger? logger = null)
    {
        ReaderId = readerId;
        _poller = poller;
        _pollInterval = pollInterval;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _debouncer = new CardReadDebouncer(presenceTimeout);
        _debouncer.Presented += uid => Presented?.Invoke(uid);
        _debouncer.Removed += () => Removed?.Invoke();
    }

    public string ReaderId { get; }
    public string? Current => _debouncer.Current;
    public event Action<string>? Presented;
    public event Action? Removed;

    /// <summary>Starts the polling thread.</summary>
    public PollingCardReader Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = $"nfc-{ReaderId}" };
        _thread.Start();
        return this;
    }

    /// <summary>One poll: a card in the field is a read (a repeat of the current card only refreshes it); no card ticks the debouncer.</summary>
    public void PollOnce()
    {
        byte[]? raw;
        try
        {
            raw = _poller.Poll();
            if (_failing) _logger.LogInformation("Reader {Reader} answers again", ReaderId);
            _failing = false;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            if (!_failing) _logger.LogWarning("Reader {Reader} poll failed: {Error}", ReaderId, ex.Message);
            _failing = true;
            raw = null;
        }
        var now = _time.GetUtcNow().UtcDateTime;
        lock (_gate)
        {
            if (raw is { Length: > 0 } && CardUidFormat.TryNormalize(Convert.ToHexString(raw), out var uid)) _debouncer.Read(uid, now);
            else _debouncer.Tick(now);
        }
    }

    private void Run()
    {
        while (!_stop.IsCancellationRequested)
        {
            PollOnce();
            _stop.Token.WaitHandle.WaitOne(_pollInterval);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        if (_thread is not null && _thread != Thread.CurrentThread) _thread.Join(TimeSpan.FromSeconds(2));
        _poller.Dispose();
        _stop.Dispose();
    }
}
