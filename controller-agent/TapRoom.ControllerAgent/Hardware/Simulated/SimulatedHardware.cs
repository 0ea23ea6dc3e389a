namespace TapRoom.ControllerAgent.Hardware.Simulated;

public sealed class SimulatedValve : IValve
{
    private volatile bool _open;

    public SimulatedValve() => ValveGuard.Register(this);

    public bool IsOpen => _open;
    public int OpenCount { get; private set; }
    public event Action<bool>? Changed;

    public void Open()
    {
        if (_open) return;
        _open = true;
        OpenCount++;
        Changed?.Invoke(true);
    }

    public void Close()
    {
        if (!_open) return;
        _open = false;
        Changed?.Invoke(false);
    }

    public void Dispose()
    {
        Close();
        ValveGuard.Unregister(this);
    }
}

public sealed class SimulatedFlowMeter : IFlowMeter
{
    private long _count;

    public long PulseCount => Interlocked.Read(ref _count);
    public event Action<long>? Pulse;

    /// <summary>Emits <paramref name="pulses"/> pulses one by one, as a real meter's edges would arrive.</summary>
    public void Emit(int pulses = 1)
    {
        for (var i = 0; i < pulses; i++) Pulse?.Invoke(Interlocked.Increment(ref _count));
    }

    public void Dispose() { }
}

public sealed class SimulatedCardReader(string readerId) : ICardReader
{
    public string ReaderId { get; } = readerId;
    public string? Current { get; private set; }
    public event Action<string>? Presented;
    public event Action? Removed;

    public void Present(string uid)
    {
        Current = uid;
        Presented?.Invoke(uid);
    }

    public void Remove()
    {
        Current = null;
        Removed?.Invoke();
    }

    public void Dispose() { }
}

/// <summary>
/// Beer through a simulated line: while the valve is open the meter pulses at the flow rate (with some noise);
/// a closed valve stays dry unless <see cref="Leak"/> says otherwise.
/// </summary>
public sealed class SimulatedTapRig : IDisposable
{
    private readonly ITimer _timer;
    private readonly Random _random;
    private readonly TimeSpan _step = TimeSpan.FromMilliseconds(50);
    private readonly TimeSpan _idle = TimeSpan.FromSeconds(1);
    private readonly Lock _stepGate = new();
    private double _carry;
    private double _leak;

    public SimulatedTapRig(string readerId, double flowRateMlPerSecond = 60, int pulsesPerLiter = 450, double noisePercent = 5,
        TimeProvider? time = null, int? seed = null)
    {
        FlowRateMlPerSecond = flowRateMlPerSecond;
        PulsesPerLiter = pulsesPerLiter;
        NoisePercent = noisePercent;
        Reader = new SimulatedCardReader(readerId);
        _random = seed is null ? new Random() : new Random(seed.Value);
        _timer = (time ?? TimeProvider.System).CreateTimer(_ => Step(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Valve.Changed += _ => Arm();
    }

    /// <summary>Steps while something flows (valve open, or a leak); a dry, closed tap does not wake up at all.</summary>
    private void Arm()
    {
        var period = Valve.IsOpen ? _step : _leak > 0 ? _idle : Timeout.InfiniteTimeSpan;
        _timer.Change(period, period);
    }

    public SimulatedValve Valve { get; } = new();
    public SimulatedFlowMeter Meter { get; } = new();
    public SimulatedCardReader Reader { get; }
    public double FlowRateMlPerSecond { get; set; }
    public int PulsesPerLiter { get; set; }
    public double NoisePercent { get; set; }
    /// <summary>Millilitres per second that pass a closed valve (a leak); 0 normally.</summary>
    public double Leak
    {
        get => _leak;
        set
        {
            _leak = value;
            Arm();
        }
    }

    public TapHardware Hardware => new(Valve, Meter, Reader);
    public int PouredMl => (int)(Meter.PulseCount * 1000 / Math.Max(1, PulsesPerLiter));

    /// <summary>Timer callbacks may overlap under load; one step at a time keeps the pulses in order, as a real meter's edges are.</summary>
    private void Step()
    {
        lock (_stepGate) StepOnce();
    }

    private void StepOnce()
    {
        var rate = Valve.IsOpen ? FlowRateMlPerSecond : Leak;
        var step = Valve.IsOpen ? _step : _idle;
        if (rate <= 0)
        {
            _carry = 0;
            return;
        }
        double noise;
        lock (_random) noise = 1 + (_random.NextDouble() * 2 - 1) * NoisePercent / 100;
        _carry += rate * noise * step.TotalSeconds * PulsesPerLiter / 1000;
        var whole = (int)_carry;
        _carry -= whole;
        var wasOpen = Valve.IsOpen;
        for (var i = 0; i < whole && Valve.IsOpen == wasOpen; i++) Meter.Emit();
    }

    public void Dispose()
    {
        _timer.Dispose();
        Valve.Dispose();
    }
}
