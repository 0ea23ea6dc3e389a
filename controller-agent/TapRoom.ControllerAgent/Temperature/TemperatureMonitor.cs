using Microsoft.Extensions.Logging;
using TapRoom.Contracts;
using TapRoom.ControllerAgent.Pouring;

namespace TapRoom.ControllerAgent.Temperature;

/// <summary>
/// Reads every sensor every <see cref="TemperatureSettings.IntervalSeconds"/> on its own long-running thread (a
/// DS18B20 read blocks for ~0.75 s, so never on a tap's loop or the thread pool), keeps the readings in memory, and sends them as
/// <c>TemperatureReadings</c> batches while the link is up. While it is down the last <see cref="TemperatureSettings.KeepMinutes"/>
/// are kept and sent after reconnecting. A sensor that throws is logged (once per kind of failure in a row) and skipped
/// for this round; the others are read as usual.
/// </summary>
public sealed class TemperatureMonitor : IAsyncDisposable
{
    private readonly IReadOnlyList<ITemperatureSensor> _sensors;
    private readonly IAgentLink _link;
    private readonly TemperatureSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly List<TemperatureReading> _kept = [];
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _lastError = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _wake = new(0);
    private Thread? _thread;

    public TemperatureMonitor(IReadOnlyList<ITemperatureSensor> sensors, IAgentLink link, TemperatureSettings settings, TimeProvider time, ILogger logger)
    {
        _sensors = sensors;
        _link = link;
        _settings = settings;
        _time = time;
        _logger = logger;
    }

    public IReadOnlyList<ITemperatureSensor> Sensors => _sensors;

    /// <summary>Readings taken and not yet accepted by the server.</summary>
    public int PendingCount { get { lock (_gate) return _kept.Count; } }

    /// <summary>Readings the server accepted (or refused and counted) since start.</summary>
    public int SentCount { get; private set; }

    /// <summary>Starts the loop on its own thread, which alone ever blocks on a sensor.</summary>
    public void Start()
    {
        _thread = new Thread(() => Run(_stop.Token)) { IsBackground = true, Name = "temperature" };
        _thread.Start();
    }

    /// <summary>Sends what is kept at once (the link came back) instead of at the next round.</summary>
    public void LinkUp() => _wake.Release();

    private void Run(CancellationToken ct)
    {
        var interval = TimeSpan.FromSeconds(Math.Max(1, _settings.IntervalSeconds));
        var next = _time.GetUtcNow();
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (_time.GetUtcNow() >= next)
                {
                    ReadAll();
                    next = _time.GetUtcNow() + interval;
                }
                SendKeptAsync().GetAwaiter().GetResult();
                var wait = next - _time.GetUtcNow();
                if (wait > TimeSpan.Zero) _wake.Wait(wait < TimeSpan.FromSeconds(1) ? wait : TimeSpan.FromSeconds(1), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Temperature round failed");
                ct.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
            }
        }
    }

    /// <summary>One round: every sensor once. Internal for tests that drive rounds themselves.</summary>
    internal void ReadAll()
    {
        foreach (var sensor in _sensors)
        {
            double? celsius;
            try
            {
                celsius = sensor.Read();
                if (_lastError.Remove(sensor.Id)) _logger.LogInformation("Temperature sensor {Sensor} ({Zone}) reads again", sensor.Id, sensor.Zone);
            }
            catch (Exception ex)
            {
                // A CRC failure or a missing device: this round goes without it, and the log says so once, not every round.
                var kind = ex.GetType().Name + ": " + ex.Message;
                if (!_lastError.TryGetValue(sensor.Id, out var last) || last != kind)
                    _logger.LogWarning("Temperature sensor {Sensor} ({Zone}) failed: {Error}", sensor.Id, sensor.Zone, kind);
                _lastError[sensor.Id] = kind;
                continue;
            }
            if (celsius is null) continue;
            var at = _time.GetUtcNow().UtcDateTime;
            lock (_gate)
            {
                _kept.Add(new TemperatureReading(sensor.Id, sensor.Zone, celsius, at));
                var oldest = at - TimeSpan.FromMinutes(Math.Max(1, _settings.KeepMinutes));
                var drop = _kept.FindIndex(r => r.At >= oldest);
                if (drop > 0) _kept.RemoveRange(0, drop);
                else if (drop < 0) _kept.Clear();
            }
        }
    }

    /// <summary>Sends the kept readings in batches, oldest first; a batch leaves the memory only once the server answered.</summary>
    internal async Task SendKeptAsync()
    {
        while (_link.IsUp)
        {
            List<TemperatureReading> batch;
            lock (_gate) batch = _kept.Take(TemperatureReadingsRequest.MaxBatch).ToList();
            if (batch.Count == 0) return;
            try
            {
                var result = await _link.Hub.TemperatureReadings(new TemperatureReadingsRequest(batch));
                if (result.Refused > 0) _logger.LogWarning("The server refused {Refused} of {Count} temperature readings", result.Refused, batch.Count);
            }
            catch (Exception ex)
            {
                _logger.LogWarning("Sending {Count} temperature readings failed: {Error}; kept for the next try", batch.Count, ex.Message);
                return;
            }
            // Only this loop adds and drops readings, so the batch is still the head of the list.
            lock (_gate) _kept.RemoveRange(0, batch.Count);
            SentCount += batch.Count;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        // A DS18B20 read in progress finishes within a second; the thread is a background one either way.
        if (_thread is { } thread) await Task.Run(() => thread.Join(TimeSpan.FromSeconds(5)));
    }
}
