using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TapRoom.Contracts;
using TapRoom.ControllerAgent.Connection;
using TapRoom.ControllerAgent.Hardware;
using TapRoom.ControllerAgent.Pouring;
using TapRoom.ControllerAgent.Screen;
using TapRoom.ControllerAgent.Storage;
using TapRoom.ControllerAgent.Temperature;
using TapRoom.HubClient;

namespace TapRoom.ControllerAgent;

/// <summary>
/// The whole agent around given hardware: journal recovery first (valves closed, unfinished sessions finished from
/// their last checkpoint), then the connection, one <see cref="TapRuntime"/> per tap, and the replay of finished pours.
/// Taps are matched to the server's taps in order (the server sends them by tap number). In desk mode the reader's
/// cards are forwarded instead. Tests and the server's demo host it directly; Program hosts it in a generic host.
/// </summary>
public sealed class AgentHost : IAsyncDisposable, IAgentLink
{
    private readonly AgentSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly ICardReader? _deskReader;
    private readonly SemaphoreSlim _syncSignal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TapRuntime> _taps = [];
    private readonly List<TapScreenFeed> _screens = [];
    private Task _connectionLoop = Task.CompletedTask;
    private Task _syncLoop = Task.CompletedTask;
    private DeskForwarder? _desk;
    private PairingClient? _pairing;
    private readonly IReadOnlyList<ITemperatureSensor> _sensors;
    private int _disposed;

    /// <param name="sensors">The temperature sensors; null: the ones <c>Agent:Temperature</c> names.</param>
    public AgentHost(AgentSettings settings, IReadOnlyList<TapHardware> taps, ICardReader? deskReader = null, TimeProvider? time = null,
        ILoggerFactory? loggers = null, IReadOnlyList<ITemperatureSensor>? sensors = null)
    {
        _sensors = sensors ?? TemperatureSensorFactory.FromSettings(settings.Temperature, settings.Simulation.Temperatures);
        _settings = settings;
        _time = time ?? TimeProvider.System;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _logger = _loggers.CreateLogger<AgentHost>();
        _deskReader = deskReader;
        foreach (var hw in taps) hw.Valve.Close();
        Hardware = taps;
        Journal = new PourJournal(settings.JournalPath);
        var policy = new DeterministicRetryPolicy(settings.ReconnectDelaysMs.Select(ms => TimeSpan.FromMilliseconds(ms)).ToList());
        Replayer = new JournalReplayer(Journal, _loggers.CreateLogger<JournalReplayer>(), policy);
        var key = settings.ApiKey is { Length: > 0 } given ? given : AgentKeyFile.Read(settings.DataDirectory) ?? "";
        Connection = new AgentConnection(settings.Servers, key, settings.AgentVersion, Journal.PendingCount, policy, _loggers, settings.FailoverAfterAttempts);
    }

    public IReadOnlyList<TapHardware> Hardware { get; }
    public PourJournal Journal { get; }
    public JournalReplayer Replayer { get; }
    public AgentConnection Connection { get; }
    public IReadOnlyList<TapRuntime> Taps => _taps;
    /// <summary>Reads and sends the temperature sensors; null when the controller has none.</summary>
    public TemperatureMonitor? Temperature { get; private set; }
    /// <summary>The code this controller shows while it waits to be adopted; null when it has a key.</summary>
    public string? PairingCode => _pairing?.Code;
    /// <summary>The guest screen of each tap, in tap order (empty in desk mode or with <c>Agent:Screen:Enabled</c> false).</summary>
    public IReadOnlyList<TapScreenFeed> Screens => _screens;
    /// <summary>Serves <see cref="Screens"/>; null when disabled or when it could not listen.</summary>
    public TapScreenServer? ScreenServer { get; private set; }
    /// <summary>Sessions that were still open at start and were finished from their checkpoint.</summary>
    public IReadOnlyList<JournalEntry> Recovered { get; private set; } = [];

    bool IAgentLink.IsUp => Connection.IsUp;
    IControllerHub IAgentLink.Hub => Connection.Hub;
    void IAgentLink.RequestSync() => _syncSignal.Release();

    public async Task StartAsync(CancellationToken ct = default)
    {
        Recovered = Journal.RecoverOpenSessions(EndReasons.Recovered);
        foreach (var e in Recovered)
            _logger.LogWarning("Recovered pour {PourSessionId} left open by the last run: finished at its checkpoint, {VolumeMl} ml", e.PourSessionId, e.VolumeMl);
        foreach (var dead in Journal.Dead())
            _logger.LogError("Dead pour {PourSessionId} ({VolumeMl} ml) was rejected by the server: {Error}", dead.PourSessionId, dead.VolumeMl, dead.LastError);

        if (_settings.Mode == AgentMode.Tap)
        {
            for (var i = 0; i < Hardware.Count; i++)
            {
                var runtime = new TapRuntime(i, Hardware[i], Journal, this, _settings.Pour, _time, _loggers.CreateLogger($"TapRoom.ControllerAgent.Tap{i + 1}"));
                _taps.Add(runtime);
                runtime.Start();
            }
            if (_settings.Screen.Enabled) await StartScreensAsync(ct);
        }
        else if (_deskReader is not null)
        {
            _desk = new DeskForwarder(_deskReader, this, TimeSpan.FromMilliseconds(_settings.Pour.CardDebounceMs), _time, _loggers.CreateLogger<DeskForwarder>());
        }

        Connection.Configured += OnConfigured;
        Connection.TapStateChanged += m => ForTap(m.TapId, r => r.Post((machine, _) => machine.TapStatusChanged(m.Status)));
        Connection.StopPour += m => ForAll(r => r.Post((machine, now) => machine.StopPour(m.PourSessionId, now)));
        Connection.StartCalibrationPour += m => ForTap(m.TapId, r => r.Post((machine, now) => machine.StartCalibration(m.CalibrationId, m.TargetMl, now)));
        Connection.StopCalibrationPour += m => ForAll(r => r.Post((machine, now) => machine.StopCalibration(m.CalibrationId, now)));
        Connection.LinkChanged += up =>
        {
            foreach (var r in _taps) r.Post((machine, now) => machine.LinkChanged(up, now));
            if (up) _syncSignal.Release();
            if (up) Temperature?.LinkUp();
        };
        if (_sensors.Count > 0)
        {
            Temperature = new TemperatureMonitor(_sensors, this, _settings.Temperature, _time, _loggers.CreateLogger<TemperatureMonitor>());
            Temperature.Start();
        }

        var stop = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, ct).Token;
        _connectionLoop = Task.Run(() => ConnectAsync(stop), CancellationToken.None);
        _syncLoop = Task.Run(() => SyncLoopAsync(stop), CancellationToken.None);
    }

    /// <summary>
    /// Pairs first when there is no key (the key file keeps it for the next start), then connects for good. A key of its
    /// own (from pairing) that the server says was revoked is deleted and the agent pairs again, without a restart; a key
    /// given in the settings is the operator's to change, so the agent only says so and keeps trying.
    /// </summary>
    private async Task ConnectAsync(CancellationToken ct)
    {
        Connection.ReturnWhenRevoked = string.IsNullOrEmpty(_settings.ApiKey);
        while (!ct.IsCancellationRequested)
        {
            if (string.IsNullOrEmpty(Connection.ApiKey) && !await PairAsync(ct)) return;
            if (await Connection.RunAsync(ct) != ConnectionEnd.KeyRevoked) return;
            AgentKeyFile.Delete(_settings.DataDirectory);
            Connection.ApiKey = "";
            _logger.LogWarning("This controller was revoked: its key {Path} is deleted and it pairs again (a new code)", AgentKeyFile.PathIn(_settings.DataDirectory));
        }
    }

    /// <summary>Shows codes until one is adopted, then keeps the key; false when the agent stops first.</summary>
    private async Task<bool> PairAsync(CancellationToken ct)
    {
        var policy = new DeterministicRetryPolicy(_settings.ReconnectDelaysMs.Select(ms => TimeSpan.FromMilliseconds(ms)).ToList());
        using var pairing = new PairingClient(_settings.Servers, _settings.AgentVersion, HardwareId(), policy,
            TimeSpan.FromMilliseconds(Math.Max(100, _settings.PairingPollMs)), _loggers.CreateLogger<PairingClient>());
        _pairing = pairing;
        try
        {
            var key = await pairing.RunAsync(ct);
            AgentKeyFile.Write(_settings.DataDirectory, key);
            Connection.ApiKey = key;
            _logger.LogInformation("Paired: key kept in {Path}; connecting", AgentKeyFile.PathIn(_settings.DataDirectory));
            return true;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return false;
        }
        finally
        {
            _pairing = null;
        }
    }

    /// <summary>What the admin sees as the controller's hardware: the host name and the start of its machine id.</summary>
    private static string HardwareId()
    {
        string? machineId = null;
        try
        {
            if (File.Exists("/etc/machine-id")) machineId = File.ReadAllText("/etc/machine-id").Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return machineId is { Length: >= 8 } ? $"{Environment.MachineName} ({machineId[..8]})" : Environment.MachineName;
    }

    private async Task StartScreensAsync(CancellationToken ct)
    {
        foreach (var runtime in _taps) _screens.Add(new TapScreenFeed(runtime, _settings.Screen, _time, () => PairingCode));
        Replayer.Synced += OnSynced;
        ScreenServer = await TapScreenServer.StartAsync(_settings.Screen, _screens, _loggers, ct);
    }

    private void OnSynced(Guid pourSessionId, CompletePourResult result)
    {
        foreach (var screen in _screens) screen.OnSynced(pourSessionId, result);
    }

    private async Task StopScreensAsync()
    {
        Replayer.Synced -= OnSynced;
        foreach (var screen in _screens) screen.Dispose();
        if (ScreenServer is { } server) await server.DisposeAsync();
    }

    private Task OnConfigured(HelloResult config)
    {
        for (var i = 0; i < _taps.Count; i++)
        {
            if (i >= config.Taps.Count)
            {
                _logger.LogWarning("Tap slot {Slot} has no tap on the server; it will deny every card", i + 1);
                continue;
            }
            var tap = config.Taps[i];
            _taps[i].Post((machine, _) => machine.Configure(tap));
        }
        return Task.CompletedTask;
    }

    private Task ForTap(Guid tapId, Action<TapRuntime> action)
    {
        foreach (var r in _taps.Where(r => r.TapId == tapId)) action(r);
        return Task.CompletedTask;
    }

    private Task ForAll(Action<TapRuntime> action)
    {
        foreach (var r in _taps) action(r);
        return Task.CompletedTask;
    }

    private async Task SyncLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await _syncSignal.WaitAsync(TimeSpan.FromSeconds(1), ct);
                if (Connection.IsUp) await Replayer.SyncDueAsync(Connection.Hub, _time.GetUtcNow().UtcDateTime, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Sync round failed");
            }
        }
    }

    /// <summary>
    /// Simulates a process kill: nothing is finished, no valve is closed, the journal is left as it is on disk and the
    /// connection is dropped. A new host on the same data directory then has to recover.
    /// </summary>
    internal async Task KillAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        foreach (var r in _taps) r.Abandon();
        if (Temperature is { } temperature) await temperature.DisposeAsync();
        await StopScreensAsync();
        await _stop.CancelAsync();
        await Connection.DisposeAsync();
        try
        {
            await Task.WhenAll(_connectionLoop, _syncLoop).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException) { }
        _desk?.Dispose();
        Journal.Dispose();
        _stop.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        foreach (var r in _taps) r.Dispose();
        foreach (var hw in Hardware) hw.Valve.Close();
        if (Temperature is { } temperature) await temperature.DisposeAsync();
        await StopScreensAsync();
        await _stop.CancelAsync();
        await Connection.DisposeAsync();
        try
        {
            await Task.WhenAll(_connectionLoop, _syncLoop).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException) { }
        _desk?.Dispose();
        Journal.Dispose();
        _stop.Dispose();
    }
}
