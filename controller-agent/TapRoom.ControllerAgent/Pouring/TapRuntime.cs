using System.Diagnostics;
using Microsoft.Extensions.Logging;
using TapRoom.Contracts;
using TapRoom.ControllerAgent.Hardware;
using TapRoom.ControllerAgent.Storage;

namespace TapRoom.ControllerAgent.Pouring;

/// <summary>What a tap needs from the connection.</summary>
public interface IAgentLink
{
    bool IsUp { get; }
    IControllerHub Hub { get; }
    /// <summary>A session was finished in the journal: replay what is due now.</summary>
    void RequestSync();
}

/// <summary>
/// Runs one tap: feeds hardware events, server answers and clock ticks into its <see cref="TapPourMachine"/> one at a
/// time, and executes the commands it returns in order (journal and valve synchronously, hub calls in the background).
/// If executing fails (say the journal cannot be written) the valve is closed and the pour forgotten.
/// </summary>
public sealed class TapRuntime : IDisposable
{
    private readonly Lock _gate = new();
    private readonly PourJournal _journal;
    private readonly IAgentLink _link;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PourSettings _settings;
    private readonly Stopwatch _authorizeClock = new();
    private const int IdleTickMs = 1000;
    private ITimer? _ticker;
    private bool _fast;
    private bool _disposed;
    /// <summary>A calibration pour's report the server has not confirmed yet (sent again whenever the link is up).</summary>
    private CalibrationPourDoneMessage? _calibrationDone;
    private int _sendingCalibration;

    public TapRuntime(int slot, TapHardware hardware, PourJournal journal, IAgentLink link, PourSettings settings, TimeProvider time, ILogger logger)
    {
        Slot = slot;
        Hardware = hardware;
        _journal = journal;
        _link = link;
        _settings = settings;
        _time = time;
        _logger = logger;
        Machine = new TapPourMachine(settings);
        Hardware.Valve.Close();
        Machine.MeterBaseline(hardware.Meter.PulseCount);
    }

    public int Slot { get; }
    public TapHardware Hardware { get; }
    public TapPourMachine Machine { get; }
    public Guid? TapId => Machine.Config?.TapId;
    /// <summary>From sending Authorize to the valve opening, for the last allowed pour.</summary>
    public TimeSpan? LastAuthorizeToOpen { get; private set; }
    public string? LastDenial { get; private set; }
    public event Action<PourCommand>? Executed;
    /// <summary>The server answered an Authorize (before the machine acts on it): the tap screen greets the guest with it.</summary>
    public event Action<AuthorizeResult>? Authorized;

    public void Start()
    {
        Hardware.Reader.Presented += OnPresented;
        Hardware.Reader.Removed += OnRemoved;
        Hardware.Meter.Pulse += OnPulse;
        _ticker = _time.CreateTimer(_ => Post((m, now) => m.Tick(now)), null, TimeSpan.FromMilliseconds(IdleTickMs),
            TimeSpan.FromMilliseconds(IdleTickMs));
    }

    public void Post(Func<TapPourMachine, DateTime, IReadOnlyList<PourCommand>> input)
    {
        lock (_gate)
        {
            if (_disposed) return;
            var now = _time.GetUtcNow().UtcDateTime;
            Execute(input(Machine, now));
            AdjustTicker();
            if (_calibrationDone is not null && _link.IsUp) SendCalibrationDone();
        }
    }

    /// <summary>One send at a time; a failure keeps the report for the next input with the link up (a reconnect posts one).</summary>
    private void SendCalibrationDone()
    {
        if (Interlocked.Exchange(ref _sendingCalibration, 1) == 1) return;
        var message = _calibrationDone!;
        _ = Task.Run(async () =>
        {
            try
            {
                await _link.Hub.CalibrationPourDone(message);
                lock (_gate) if (ReferenceEquals(_calibrationDone, message)) _calibrationDone = null;
                _logger.LogInformation("Tap {TapId}: calibration pour {CalibrationId} reported: {Pulses} pulses, {VolumeMl} ml",
                    message.TapId, message.CalibrationId, message.Pulses, message.VolumeMl);
            }
            catch (Exception ex)
            {
                _logger.LogWarning("Tap {TapId}: calibration pour {CalibrationId} not reported yet: {Error}", message.TapId, message.CalibrationId, ex.Message);
            }
            finally
            {
                Interlocked.Exchange(ref _sendingCalibration, 0);
            }
        });
    }

    /// <summary>Ticks fast only while something is timed (authorising, pouring, settling); an idle tap wakes once a second.</summary>
    private void AdjustTicker()
    {
        var fast = Machine.State is PourState.Authorising or PourState.Pouring or PourState.Completing;
        if (_ticker is null || fast == _fast) return;
        _fast = fast;
        var period = TimeSpan.FromMilliseconds(fast ? _settings.TickIntervalMs : IdleTickMs);
        _ticker.Change(period, period);
    }

    private void OnPresented(string uid) => Post((m, now) => m.CardPresented(uid, now));
    private void OnRemoved() => Post((m, now) => m.CardRemoved(now));
    private void OnPulse(long count) => Post((m, now) => m.MeterCount(count, now));

    private void Execute(IReadOnlyList<PourCommand> commands)
    {
        foreach (var command in commands)
        {
            try
            {
                Run(command);
            }
            catch (Exception ex)
            {
                Hardware.Valve.Close();
                _logger.LogCritical(ex, "Tap slot {Slot}: {Command} failed; valve closed, pour abandoned", Slot, command.GetType().Name);
                Machine.Fault();
                return;
            }
            Executed?.Invoke(command);
        }
    }

    private void Run(PourCommand command)
    {
        switch (command)
        {
            case AskAuthorize ask:
                _authorizeClock.Restart();
                _ = AuthorizeAsync(ask.Request);
                break;
            case JournalStart s:
                _journal.Start(s.PourSessionId, s.TapId, s.MaxVolumeMl, s.PulsesPerLiter, s.StartedAt);
                break;
            case OpenValve open:
                Hardware.Valve.Open();
                LastAuthorizeToOpen = _authorizeClock.Elapsed;
                _logger.LogInformation("Tap {TapId}: valve open for pour {PourSessionId} ({Latency} ms after Authorize was sent)",
                    TapId, open.PourSessionId, LastAuthorizeToOpen.Value.TotalMilliseconds);
                break;
            case CloseValve close:
                Hardware.Valve.Close();
                if (close.Reason != EndReasons.Shutdown) _logger.LogInformation("Tap {TapId}: valve closed ({Reason})", TapId, close.Reason);
                break;
            case JournalCheckpoint c:
                _journal.Checkpoint(c.PourSessionId, c.VolumeMl, c.Pulses, c.At);
                break;
            case JournalFinish f:
                _journal.Finish(f.PourSessionId, f.VolumeMl, f.Pulses, f.EndedAt, f.Reason);
                _logger.LogInformation("Tap {TapId}: pour {PourSessionId} finished, {VolumeMl} ml ({Reason})", TapId, f.PourSessionId, f.VolumeMl, f.Reason);
                break;
            case SendComplete:
                _link.RequestSync();
                break;
            case SendProgress p:
                FireAndForget(hub => hub.PourProgress(p.Message));
                break;
            case ReportFlowWithoutPour f:
                _logger.LogWarning("Tap {TapId}: {VolumeMl} ml counted with the valve closed (leak or stuck valve)", TapId, f.Message.VolumeMl);
                FireAndForget(hub => hub.FlowWithoutPour(f.Message));
                break;
            case SendCalibrationDone done:
                _calibrationDone = done.Message;
                break;
            case ShowDenied d:
                LastDenial = d.Reason?.ToString() ?? d.Message;
                _logger.LogInformation("Tap {TapId}: card denied ({Reason}): {Message}", TapId, d.Reason, d.Message);
                break;
        }
    }

    private async Task AuthorizeAsync(AuthorizeRequest request)
    {
        await Task.Yield(); // never answer inside the caller's turn of the machine
        AuthorizeResult result;
        try
        {
            if (!_link.IsUp) throw new InvalidOperationException("link down");
            result = await _link.Hub.Authorize(request);
        }
        catch (Exception ex)
        {
            _logger.LogWarning("Tap {TapId}: Authorize failed, denying locally: {Error}", request.TapId, ex.Message);
            Post((m, now) => m.AuthorizeFailed(request.RequestId, now));
            return;
        }
        Authorized?.Invoke(result);
        Post((m, now) => m.AuthorizeAnswered(request.RequestId, result, now));
    }

    private void FireAndForget(Func<IControllerHub, Task> send)
    {
        if (!_link.IsUp) return;
        _ = Task.Run(async () =>
        {
            try
            {
                await send(_link.Hub);
            }
            catch (Exception ex)
            {
                _logger.LogDebug("Tap {TapId}: message not sent: {Error}", TapId, ex.Message);
            }
        });
    }

    /// <summary>
    /// Stops without finishing anything, as a killed process would: the journal keeps the open session at its last
    /// checkpoint and the valve stays as it was (tests use this to simulate a crash).
    /// </summary>
    internal void Abandon()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _ticker?.Dispose();
            Hardware.Reader.Presented -= OnPresented;
            Hardware.Reader.Removed -= OnRemoved;
            Hardware.Meter.Pulse -= OnPulse;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _ticker?.Dispose();
            Hardware.Reader.Presented -= OnPresented;
            Hardware.Reader.Removed -= OnRemoved;
            Hardware.Meter.Pulse -= OnPulse;
            try
            {
                Execute(Machine.Shutdown(_time.GetUtcNow().UtcDateTime));
            }
            finally
            {
                Hardware.Valve.Close();
                _disposed = true;
            }
        }
    }
}
