using System.Threading.Channels;
using TapRoom.Contracts;
using TapRoom.ControllerAgent.Pouring;

namespace TapRoom.ControllerAgent.Screen;

/// <summary>
/// Follows one <see cref="TapRuntime"/> and turns what it does into <see cref="TapScreenView"/>s for the guest screen:
/// the commands its machine executes (a card asked about, a valve opened, a pour finished, a deny), the server's answer
/// to the Authorize (the guest's name and balance), the journal replayer's confirmation of the charge, and a sample of
/// the machine taken under the runtime's own lock (every <see cref="ScreenSettings.SampleIntervalMs"/> while a pour
/// runs, twice a second otherwise) for the live volume, the tap's status and the link.
/// A new card, a deny, or the end of the finish display drops everything of the previous guest.
/// </summary>
public sealed class TapScreenFeed : IDisposable
{
    private const int IdleSampleMs = 500;
    private readonly Lock _gate = new();
    private readonly TapRuntime _runtime;
    private readonly ScreenSettings _settings;
    private readonly TimeProvider _time;
    private readonly Dictionary<Guid, AuthorizeResult> _answers = [];
    private readonly List<Channel<TapScreenView>> _subscribers = [];
    private readonly ITimer _sampler;
    private bool _fastSampling;
    private bool _disposed;

    // The last sample of the machine.
    private ControllerTapConfig? _config;
    private PourState _state;
    private bool _linkUp;
    private Guid? _sessionId;
    private int _volumeMl;

    // The guest in front of the tap, and what is left on the screen of the last one.
    private bool _checking;
    private Guest? _guest;
    private Finished? _finished;
    private string? _denied;
    private DateTime _deniedUntil;

    private TapScreenView _view;
    private long _seq;

    private sealed record Guest(Guid SessionId, string? FirstName, decimal? Balance, int MaxVolumeMl, decimal? PricePerLiter);

    private sealed record Finished(Guid SessionId, string? FirstName, int VolumeMl, decimal? Cost, decimal? Balance, bool Estimated, DateTime Until);

    private readonly Func<string?> _pairingCode;

    /// <param name="pairingCode">The code this controller shows while it waits to be adopted (null once it has a key).</param>
    public TapScreenFeed(TapRuntime runtime, ScreenSettings settings, TimeProvider time, Func<string?>? pairingCode = null)
    {
        _pairingCode = pairingCode ?? (() => null);
        _runtime = runtime;
        _settings = settings;
        _time = time;
        _view = Compose(time.GetUtcNow().UtcDateTime);
        runtime.Executed += OnExecuted;
        runtime.Authorized += OnAuthorized;
        // Armed only once assigned: a callback may run at once, on another thread, and it changes the timer.
        _sampler = time.CreateTimer(_ => Sample(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _sampler.Change(TimeSpan.Zero, TimeSpan.FromMilliseconds(IdleSampleMs));
    }

    /// <summary>The tap's 1-based number on this controller (the <c>/taps/{n}</c> of its page).</summary>
    public int Number => _runtime.Slot + 1;

    public TapScreenView Current
    {
        get { lock (_gate) return _view; }
    }

    /// <summary>Every state from now on, the current one first. Slow readers skip to the newest state.</summary>
    public Subscription Subscribe()
    {
        var channel = Channel.CreateBounded<TapScreenView>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (_gate)
        {
            channel.Writer.TryWrite(_view);
            if (_disposed) channel.Writer.TryComplete();
            else _subscribers.Add(channel);
        }
        return new Subscription(channel.Reader, () =>
        {
            lock (_gate) _subscribers.Remove(channel);
        });
    }

    /// <summary>The replayer's answer for a finished pour: the server's charge and balance replace the estimate.</summary>
    public void OnSynced(Guid pourSessionId, CompletePourResult result)
    {
        lock (_gate)
        {
            if (_finished is not { } f || f.SessionId != pourSessionId || result.Outcome == CompletePourOutcome.Rejected) return;
            _finished = f with { Cost = result.ChargedAmount, Balance = result.Balance ?? f.Balance, Estimated = false };
            Publish(_time.GetUtcNow().UtcDateTime);
        }
    }

    private void Sample() => _runtime.Post((machine, now) =>
    {
        Observe(machine, now);
        return [];
    });

    private void OnAuthorized(AuthorizeResult result)
    {
        if (result is not { Allowed: true, PourSessionId: { } id }) return;
        lock (_gate)
        {
            if (_answers.Count > 8) _answers.Clear();
            _answers[id] = result;
        }
    }

    /// <summary>Runs inside the runtime's turn (its lock), right after the command was carried out.</summary>
    private void OnExecuted(PourCommand command)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        lock (_gate)
        {
            switch (command)
            {
                case AskAuthorize:
                    ForgetGuest();
                    _checking = true;
                    break;
                case OpenValve open:
                    _answers.Remove(open.PourSessionId, out var answer);
                    _answers.Clear();
                    _checking = false;
                    _guest = new Guest(open.PourSessionId, FirstName(answer?.GuestName), answer?.Balance, answer?.MaxVolumeMl ?? 0,
                        _runtime.Machine.Config?.PricePerLiter);
                    break;
                case JournalFinish finish when _guest is { } g && g.SessionId == finish.PourSessionId:
                    var cost = CostOf(g.PricePerLiter, finish.VolumeMl);
                    _finished = new Finished(g.SessionId, g.FirstName, finish.VolumeMl, cost, g.Balance - cost, Estimated: true,
                        now + TimeSpan.FromMilliseconds(_settings.FinishedDisplayMs));
                    _guest = null;
                    break;
                case ShowDenied when !_runtime.Machine.LinkUp:
                    // Refused here because the link is down: the card waits for the connection (the offline notice says so).
                    ForgetGuest();
                    break;
                case ShowDenied denied:
                    ForgetGuest();
                    _denied = denied.Message;
                    _deniedUntil = now + TimeSpan.FromMilliseconds(_settings.DeniedDisplayMs);
                    break;
            }
        }
        Observe(_runtime.Machine, now);
    }

    private void ForgetGuest()
    {
        _checking = false;
        _guest = null;
        _finished = null;
        _denied = null;
    }

    private void Observe(TapPourMachine machine, DateTime now)
    {
        lock (_gate)
        {
            if (_disposed) return;
            _config = machine.Config;
            _state = machine.State;
            _linkUp = machine.LinkUp;
            _sessionId = machine.PourSessionId;
            _volumeMl = machine.VolumeMl;
            if (_checking && _state != PourState.Authorising) _checking = false;
            if (_guest is { } g && (_sessionId != g.SessionId || _state is not (PourState.Pouring or PourState.Completing))) _guest = null;
            if (_finished is { } f && now >= f.Until) _finished = null;
            if (_denied is not null && now >= _deniedUntil && _state != PourState.Denied) _denied = null;
            Publish(now);

            var fast = _guest is not null || _checking;
            if (fast != _fastSampling)
            {
                _fastSampling = fast;
                var period = TimeSpan.FromMilliseconds(fast ? Math.Max(20, _settings.SampleIntervalMs) : IdleSampleMs);
                _sampler.Change(period, period);
            }
        }
    }

    private void Publish(DateTime now)
    {
        var view = Compose(now);
        if (view.SameAs(_view)) return;
        _view = view with { Seq = ++_seq };
        foreach (var s in _subscribers) s.Writer.TryWrite(_view);
    }

    private TapScreenView Compose(DateTime now)
    {
        var c = _config;
        var view = new TapScreenView(0, Number, c?.Name ?? $"Tap {Number}", Phase(), _linkUp, c?.BeerName, c?.BeerStyle, c?.Abv,
            c?.PricePerLiter is { } ppl ? Math.Round(ppl / 10m, 2, MidpointRounding.AwayFromZero) : null, c?.Currency,
            null, null, null, null, null, null, false, null);
        if (_guest is { } g)
        {
            var cost = CostOf(g.PricePerLiter, _volumeMl);
            return view with
            {
                Phase = _volumeMl > 0 ? ScreenPhases.Pouring : ScreenPhases.Allowed,
                GuestFirstName = g.FirstName,
                Balance = g.Balance,
                MaxVolumeMl = g.MaxVolumeMl,
                VolumeMl = _volumeMl,
                Cost = cost,
                BalanceLeft = g.Balance - cost,
                Estimated = true,
            };
        }
        if (_finished is { } f)
        {
            return view with
            {
                Phase = ScreenPhases.Finished,
                GuestFirstName = f.FirstName,
                VolumeMl = f.VolumeMl,
                Cost = f.Cost,
                BalanceLeft = f.Balance,
                Estimated = f.Estimated,
            };
        }
        if (_denied is { } message) return view with { Phase = ScreenPhases.Denied, Message = message };
        if (!_linkUp && _pairingCode() is { } code) return view with { Phase = ScreenPhases.Pairing, PairingCode = code };
        return view;
    }

    private string Phase()
    {
        if (_checking || _state == PourState.Authorising) return ScreenPhases.Checking;
        if (!_linkUp) return ScreenPhases.Offline;
        return _config?.Status switch
        {
            null => ScreenPhases.Starting,
            TapStatus.Active => ScreenPhases.Idle,
            TapStatus.Cleaning => ScreenPhases.Cleaning,
            TapStatus.Locked => ScreenPhases.Locked,
            TapStatus.OutOfKeg => ScreenPhases.OutOfKeg,
            TapStatus.ProcessingSync => ScreenPhases.Syncing,
            _ => ScreenPhases.Locked,
        };
    }

    /// <summary>The price of a volume, rounded half away from zero to the cent (as the server charges it).</summary>
    internal static decimal? CostOf(decimal? pricePerLiter, int volumeMl) =>
        pricePerLiter is { } p ? Math.Round(p * volumeMl / 1000m, 2, MidpointRounding.AwayFromZero) : null;

    /// <summary>Only the first name goes on a screen the whole bar can read.</summary>
    internal static string? FirstName(string? name) =>
        string.IsNullOrWhiteSpace(name) ? null : name.Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries)[0];

    public void Dispose()
    {
        _runtime.Executed -= OnExecuted;
        _runtime.Authorized -= OnAuthorized;
        _sampler.Dispose();
        lock (_gate)
        {
            _disposed = true;
            foreach (var s in _subscribers) s.Writer.TryComplete();
            _subscribers.Clear();
        }
    }

    /// <summary>One page's stream of states; dispose it when the page goes.</summary>
    public sealed class Subscription(ChannelReader<TapScreenView> reader, Action unsubscribe) : IDisposable
    {
        public ChannelReader<TapScreenView> Reader { get; } = reader;
        public void Dispose() => unsubscribe();
    }
}
