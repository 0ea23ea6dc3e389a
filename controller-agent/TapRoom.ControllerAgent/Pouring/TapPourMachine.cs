using TapRoom.Contracts;
using TapRoom.ControllerAgent.Hardware;

namespace TapRoom.ControllerAgent.Pouring;

public enum PourState
{
    Idle,
    Authorising,
    Pouring,
    /// <summary>The valve is closed; trailing pulses still count until the settle time passed, then the session is finished.</summary>
    Completing,
    /// <summary>The card was denied; nothing happens until it is removed (or another card comes).</summary>
    Denied,
    /// <summary>A pour ended while the card is still there; it must be removed before the next pour.</summary>
    Stopped,
}

/// <summary>
/// One tap's pour lifecycle, with no I/O and no clock: every input carries the time, every output is a
/// <see cref="PourCommand"/> the runtime executes in order. The valve opens only on the server's allow, after the
/// journal write; it closes on card removal, flow idle timeout, the pulse that reaches the maximum, or StopPour.
/// Without a link to the server nothing is authorised (fail closed).
/// <para>
/// A calibration pour (<see cref="StartCalibration"/>) is a pour with no card and no journal: the server's command opens
/// the valve, and it closes by the same rules as a pour (the target by the tap's current factor, the tap's cap, flow
/// idle, StopCalibrationPour, shutdown) and, unlike a pour, when the link to the server is lost, since nobody is
/// watching the jug from the dashboard then.
/// </para>
/// </summary>
public sealed class TapPourMachine(PourSettings settings, Func<Guid>? newId = null)
{
    private readonly Func<Guid> _newId = newId ?? Guid.NewGuid;
    private readonly List<PourCommand> _out = [];

    public ControllerTapConfig? Config { get; private set; }
    public PourState State { get; private set; } = PourState.Idle;
    public bool LinkUp { get; private set; }
    public Guid? PourSessionId { get; private set; }
    /// <summary>The calibration pour running now (the valve is open on the server's command, with no card).</summary>
    public Guid? CalibrationId { get; private set; }
    public int VolumeMl => Capped(FlowCalibration.Millilitres(_pourPulses, _ppl));

    private string? _cardUid;
    private bool _cardPresent;
    private DateTime _cardLastSeen = DateTime.MinValue;

    private Guid? _pendingRequest;
    /// <summary>This presentation was already asked again once after a <c>server_busy</c> answer.</summary>
    private bool _busyRetried;
    private DateTime _authorizeDeadline;

    private int _ppl;
    private int _maxMl;
    private long _maxPulses;
    private long _pourPulses;
    private DateTime _startedAt;
    private DateTime _lastFlowAt;
    private DateTime _lastProgressAt;
    private DateTime _lastCheckpointAt;
    private long _checkpointPulses;
    private DateTime _endedAt;
    private DateTime _settleUntil;
    private string _endReason = "";

    private long _meterCount;
    private bool _meterSeen;
    private long _strayPulses;
    private DateTime _strayLastAt;

    public IReadOnlyList<PourCommand> Configure(ControllerTapConfig config)
    {
        _out.Clear();
        Config = config;
        return Flush();
    }

    public IReadOnlyList<PourCommand> TapStatusChanged(TapStatus status)
    {
        _out.Clear();
        if (Config is not null) Config = Config with { Status = status };
        return Flush();
    }

    public IReadOnlyList<PourCommand> LinkChanged(bool up, DateTime now = default)
    {
        _out.Clear();
        LinkUp = up;
        if (!up && CalibrationId is not null && State == PourState.Pouring) EndPour(EndReasons.LinkLost, now);
        return Flush();
    }

    /// <summary>
    /// The server asks for a calibration pour of <paramref name="targetMl"/>: refused (reported at once with no pulses)
    /// unless the tap is configured, idle and linked; else the valve opens with no card.
    /// </summary>
    public IReadOnlyList<PourCommand> StartCalibration(Guid calibrationId, int targetMl, DateTime now)
    {
        _out.Clear();
        if (CalibrationId == calibrationId) return Flush(); // the same command again
        if (Config is null || !LinkUp || State is not (PourState.Idle or PourState.Denied or PourState.Stopped) || targetMl <= 0)
        {
            if (Config is not null) _out.Add(new SendCalibrationDone(new CalibrationPourDoneMessage(calibrationId, Config.TapId, 0, 0, now)));
            return Flush();
        }
        CalibrationId = calibrationId;
        PourSessionId = null;
        _ppl = Config.PulsesPerLiter;
        _maxMl = Config.MaxPourMl > 0 ? Math.Min(targetMl, Config.MaxPourMl) : targetMl;
        _maxPulses = FlowCalibration.PulsesFor(_maxMl, _ppl);
        _pourPulses = 0;
        _startedAt = _lastFlowAt = _lastProgressAt = _lastCheckpointAt = now;
        State = PourState.Pouring;
        _out.Add(new OpenValve(calibrationId));
        return Flush();
    }

    public IReadOnlyList<PourCommand> StopCalibration(Guid calibrationId, DateTime now)
    {
        _out.Clear();
        if (State == PourState.Pouring && CalibrationId == calibrationId) EndPour(EndReasons.StopPour, now);
        return Flush();
    }

    public IReadOnlyList<PourCommand> CardPresented(string cardUid, DateTime now)
    {
        _out.Clear();
        var uid = TapRoom.Contracts.CardUidFormat.TryNormalize(cardUid, out var normalized) ? normalized : cardUid.Trim().ToUpperInvariant();
        var sameCard = uid == _cardUid;
        switch (State)
        {
            case PourState.Authorising or PourState.Pouring or PourState.Completing:
                if (sameCard)
                {
                    _cardPresent = true;
                    _cardLastSeen = now;
                }
                return Flush();
            case PourState.Denied or PourState.Stopped when sameCard:
                _cardPresent = true;
                _cardLastSeen = now;
                return Flush();
            case PourState.Idle when sameCard && now - _cardLastSeen < TimeSpan.FromMilliseconds(settings.CardDebounceMs):
                // The reader flickered: still the presentation that was already served.
                _cardPresent = true;
                _cardLastSeen = now;
                State = PourState.Stopped;
                return Flush();
        }

        _cardUid = uid;
        _cardPresent = true;
        _cardLastSeen = now;
        if (Config is null) return Deny(uid, null, "This tap is not configured by the server yet.");
        if (Config.Status != TapStatus.Active) return Deny(uid, DenyReason.TapNotActive, $"{Config.Name} is {Config.Status}.");
        if (!LinkUp) return Deny(uid, null, "The server cannot be reached; pouring is paused.");

        var requestId = _newId();
        _busyRetried = false;
        _pendingRequest = requestId;
        _authorizeDeadline = now + TimeSpan.FromMilliseconds(settings.AuthorizeTimeoutMs);
        State = PourState.Authorising;
        _out.Add(new AskAuthorize(new AuthorizeRequest(Config.TapId, uid, requestId)));
        return Flush();
    }

    public IReadOnlyList<PourCommand> CardRemoved(DateTime now)
    {
        _out.Clear();
        _cardPresent = false;
        _cardLastSeen = now;
        switch (State)
        {
            case PourState.Pouring when CalibrationId is null:
                EndPour(EndReasons.CardRemoved, now);
                break;
            case PourState.Denied or PourState.Stopped:
                State = PourState.Idle;
                break;
        }
        return Flush();
    }

    public IReadOnlyList<PourCommand> AuthorizeAnswered(Guid requestId, AuthorizeResult result, DateTime now)
    {
        _out.Clear();
        if (requestId != _pendingRequest || State != PourState.Authorising)
        {
            // Too late (we already denied locally): the server holds a lock for a pour that will never happen. Release it.
            if (result is { Allowed: true, PourSessionId: { } stale }) Release(stale, result.MaxVolumeMl ?? 0, now);
            return Flush();
        }
        if (result is { Allowed: false, DenyReason: DenyReason.ServerBusy } && !_busyRetried && _cardPresent && Config is not null && LinkUp)
        {
            // The server could not decide now (nothing was recorded): ask once more for the same presentation.
            _busyRetried = true;
            _authorizeDeadline = now + TimeSpan.FromMilliseconds(settings.AuthorizeTimeoutMs);
            _out.Add(new AskAuthorize(new AuthorizeRequest(Config.TapId, _cardUid!, requestId)));
            return Flush();
        }
        _pendingRequest = null;
        if (!result.Allowed || result.PourSessionId is null || result.MaxVolumeMl is not > 0 || Config is null)
        {
            if (result is { Allowed: true, PourSessionId: { } empty }) Release(empty, result.MaxVolumeMl ?? 0, now);
            return Deny(_cardUid ?? "", result.DenyReason, result.Allowed ? "Nothing left to pour." : result.Message);
        }
        var sessionId = result.PourSessionId.Value;
        if (!_cardPresent)
        {
            Release(sessionId, result.MaxVolumeMl.Value, now);
            State = PourState.Idle;
            return Flush();
        }

        PourSessionId = sessionId;
        _ppl = Config.PulsesPerLiter;
        _maxMl = result.MaxVolumeMl.Value;
        _maxPulses = FlowCalibration.PulsesFor(_maxMl, _ppl);
        _pourPulses = 0;
        _checkpointPulses = 0;
        _startedAt = _lastFlowAt = _lastProgressAt = _lastCheckpointAt = now;
        State = PourState.Pouring;
        _out.Add(new JournalStart(sessionId, Config.TapId, _maxMl, _ppl, now));
        _out.Add(new OpenValve(sessionId));
        return Flush();
    }

    /// <summary>The Authorize call failed (link lost, timeout, server error): deny locally, never open.</summary>
    public IReadOnlyList<PourCommand> AuthorizeFailed(Guid requestId, DateTime now)
    {
        _out.Clear();
        if (requestId != _pendingRequest || State != PourState.Authorising) return Flush();
        return Deny(_cardUid ?? "", null, "The server did not answer; pouring is paused.");
    }

    public IReadOnlyList<PourCommand> StopPour(Guid pourSessionId, DateTime now)
    {
        _out.Clear();
        if (State == PourState.Pouring && PourSessionId == pourSessionId) EndPour(EndReasons.StopPour, now);
        return Flush();
    }

    public IReadOnlyList<PourCommand> MeterCount(long lifetimePulses, DateTime now)
    {
        _out.Clear();
        // The lifetime count only grows; a lower one is a late delivery of a pulse already counted, not new flow.
        if (_meterSeen && lifetimePulses <= _meterCount) return Flush();
        var delta = !_meterSeen ? lifetimePulses : lifetimePulses - _meterCount;
        _meterSeen = true;
        _meterCount = lifetimePulses;
        if (delta <= 0) return Flush();
        switch (State)
        {
            case PourState.Pouring:
                _pourPulses += delta;
                _lastFlowAt = now;
                if (_pourPulses >= _maxPulses) EndPour(EndReasons.MaxVolume, now);
                break;
            case PourState.Completing:
                _pourPulses += delta;
                break;
            default:
                CountStray(delta, now);
                break;
        }
        return Flush();
    }

    /// <summary>Sets the meter's reading without counting it (at start, so pulses from before are not flow).</summary>
    public void MeterBaseline(long lifetimePulses)
    {
        _meterCount = lifetimePulses;
        _meterSeen = true;
    }

    public IReadOnlyList<PourCommand> Tick(DateTime now)
    {
        _out.Clear();
        switch (State)
        {
            case PourState.Authorising when now >= _authorizeDeadline:
                DenyHere(_cardUid ?? "", null, "The server did not answer in time; pouring is paused.");
                break;
            case PourState.Pouring:
                var idle = TimeSpan.FromMilliseconds(Config?.FlowIdleTimeoutMs is > 0 ? Config.FlowIdleTimeoutMs : 8000);
                if (now - _lastFlowAt >= idle)
                {
                    EndPour(EndReasons.FlowIdle, now);
                    break;
                }
                if (CalibrationId is not null) break; // no card, no journal: nothing to report until it ends
                if (now - _lastProgressAt >= TimeSpan.FromMilliseconds(settings.ProgressIntervalMs))
                {
                    _lastProgressAt = now;
                    _out.Add(new SendProgress(new PourProgressMessage(PourSessionId!.Value, VolumeMl, now)));
                }
                if (now - _lastCheckpointAt >= TimeSpan.FromMilliseconds(settings.CheckpointIntervalMs))
                {
                    _lastCheckpointAt = now;
                    if (_pourPulses != _checkpointPulses)
                    {
                        _checkpointPulses = _pourPulses;
                        _out.Add(new JournalCheckpoint(PourSessionId!.Value, VolumeMl, _pourPulses, now));
                    }
                }
                break;
            case PourState.Completing when now >= _settleUntil:
                Finish();
                break;
        }
        if (_strayPulses > 0 && now - _strayLastAt >= TimeSpan.FromMilliseconds(settings.GhostFlowWindowMs)) _strayPulses = 0;
        return Flush();
    }

    /// <summary>The process stops: close the valve and finish a running pour now.</summary>
    public IReadOnlyList<PourCommand> Shutdown(DateTime now)
    {
        _out.Clear();
        if (State == PourState.Pouring) EndPour(EndReasons.Shutdown, now);
        if (State == PourState.Completing) Finish();
        _out.Add(new CloseValve(EndReasons.Shutdown));
        return Flush();
    }

    /// <summary>Executing a command failed (say, the journal could not be written): the runtime closed the valve; forget the pour.</summary>
    public void Fault()
    {
        State = _cardPresent ? PourState.Stopped : PourState.Idle;
        PourSessionId = null;
        CalibrationId = null;
        _pendingRequest = null;
    }

    private void EndPour(string reason, DateTime now)
    {
        _out.Add(new CloseValve(reason));
        _endReason = reason;
        _endedAt = now;
        _settleUntil = now + TimeSpan.FromMilliseconds(settings.SettleMs);
        State = PourState.Completing;
        if (settings.SettleMs <= 0) Finish();
    }

    private void Finish()
    {
        if (CalibrationId is { } calibrationId)
        {
            _out.Add(new SendCalibrationDone(new CalibrationPourDoneMessage(calibrationId, Config!.TapId, _pourPulses, VolumeMl, _endedAt)));
            CalibrationId = null;
            State = _cardPresent ? PourState.Stopped : PourState.Idle;
            return;
        }
        var sessionId = PourSessionId!.Value;
        var volume = VolumeMl;
        _out.Add(new JournalFinish(sessionId, volume, _pourPulses, _endedAt, _endReason));
        _out.Add(new SendComplete(new CompletePourRequest(sessionId, Config!.TapId, volume, _startedAt, _endedAt)));
        PourSessionId = null;
        State = _cardPresent ? PourState.Stopped : PourState.Idle;
    }

    /// <summary>An allowed session that will not pour: journal it as a 0 ml pour so the server releases the card's lock.</summary>
    private void Release(Guid sessionId, int maxMl, DateTime now)
    {
        if (Config is null) return;
        _out.Add(new JournalStart(sessionId, Config.TapId, maxMl, Config.PulsesPerLiter, now));
        _out.Add(new JournalFinish(sessionId, 0, 0, now, EndReasons.Abandoned));
        _out.Add(new SendComplete(new CompletePourRequest(sessionId, Config.TapId, 0, now, now)));
    }

    private IReadOnlyList<PourCommand> Deny(string uid, DenyReason? reason, string message)
    {
        _pendingRequest = null;
        State = _cardPresent ? PourState.Denied : PourState.Idle;
        _out.Add(new ShowDenied(uid, reason, message));
        return Flush();
    }

    private void DenyHere(string uid, DenyReason? reason, string message)
    {
        _pendingRequest = null;
        State = _cardPresent ? PourState.Denied : PourState.Idle;
        _out.Add(new ShowDenied(uid, reason, message));
    }

    private void CountStray(long pulses, DateTime now)
    {
        if (Config is null) return;
        if (now - _strayLastAt >= TimeSpan.FromMilliseconds(settings.GhostFlowWindowMs)) _strayPulses = 0;
        _strayPulses += pulses;
        _strayLastAt = now;
        var ml = FlowCalibration.Millilitres(_strayPulses, Config.PulsesPerLiter);
        if (ml < settings.GhostFlowThresholdMl) return;
        _strayPulses = 0;
        _out.Add(new ReportFlowWithoutPour(new FlowWithoutPourMessage(Config.TapId, ml, now)));
    }

    /// <summary>The valve closes on the pulse that reaches the maximum; that pulse's overshoot (under one pulse) is not charged.</summary>
    private int Capped(int ml) => _maxMl > 0 ? Math.Min(ml, _maxMl) : ml;

    private IReadOnlyList<PourCommand> Flush()
    {
        var result = _out.ToArray();
        _out.Clear();
        return result;
    }
}
