using System.Collections.Concurrent;
using System.Device.Gpio;
using Microsoft.Extensions.Logging.Abstractions;
using TapRoom.Contracts;
using TapRoom.ControllerAgent.Hardware;
using TapRoom.ControllerAgent.Hardware.Gpio;
using TapRoom.ControllerAgent.Hardware.Simulated;
using TapRoom.ControllerAgent.Pouring;
using TapRoom.ControllerAgent.Storage;
using TapRoom.ControllerAgent.Tests.Infrastructure;

namespace TapRoom.ControllerAgent.Tests.Hardware;

/// <summary>
/// The agent's real GPIO classes (<see cref="GpioFlowMeter"/>, <see cref="GpioValve"/>) on a real
/// <see cref="GpioController"/> over <see cref="FakeGpioDriver"/>, which fires the meter's edges and records the valve pin.
/// </summary>
public sealed class GpioHardwareTests : IDisposable
{
    private const int MeterPin = 17;
    private const int ValvePin = 27;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly Guid TapId = Guid.NewGuid();
    private readonly string _dir = TempDir.New();
    private readonly FakeGpioDriver _driver = new();
    private readonly GpioController _gpio;

    public GpioHardwareTests()
    {
        Directory.CreateDirectory(_dir);
        _gpio = new GpioController(_driver);
    }

    public void Dispose()
    {
        _gpio.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void The_meter_counts_every_rising_edge_and_raises_pulse_with_the_count()
    {
        using var meter = new GpioFlowMeter(_gpio, MeterPin);
        Assert.Equal(PinMode.InputPullUp, _driver.ModeOf(MeterPin));
        var seen = new ConcurrentQueue<long>();
        meter.Pulse += seen.Enqueue;

        for (var i = 0; i < 90; i++) _driver.Rise(MeterPin);

        Assert.Equal(90, meter.PulseCount); // counted in the callback itself
        Assert.True(SpinWait.SpinUntil(() => seen.LastOrDefault() == 90, Wait), $"last Pulse {seen.LastOrDefault()}");
        Assert.Equal(seen.OrderBy(c => c), seen); // ascending; edges during one dispatch arrive as one jump
        Assert.Equal(200, FlowCalibration.Millilitres(meter.PulseCount, 450));
    }

    [Fact]
    public void The_meter_lets_go_of_its_pin_on_dispose_and_counts_nothing_after()
    {
        var meter = new GpioFlowMeter(_gpio, MeterPin, pullUp: false);
        Assert.Equal(PinMode.Input, _driver.ModeOf(MeterPin));
        _driver.Rise(MeterPin);
        meter.Dispose();
        _driver.Rise(MeterPin);
        Assert.Equal(1, meter.PulseCount);
        Assert.Equal(0, _driver.CallbackCount(MeterPin));
        Assert.DoesNotContain(MeterPin, _driver.OpenPins);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_valve_starts_closed_drives_its_configured_level_and_closes_on_dispose(bool activeHigh)
    {
        var open = activeHigh ? PinValue.High : PinValue.Low;
        var closed = activeHigh ? PinValue.Low : PinValue.High;
        var valve = new GpioValve(_gpio, ValvePin, activeHigh);
        Assert.Equal(PinMode.Output, _driver.ModeOf(ValvePin));
        Assert.Equal(closed, _driver.ValueOf(ValvePin));
        Assert.All(_driver.Writes, w => Assert.Equal(closed, w.Value)); // never open, not even while the pin is set up

        valve.Open();
        Assert.True(valve.IsOpen);
        Assert.Equal(open, _driver.ValueOf(ValvePin));

        valve.Dispose();
        Assert.False(valve.IsOpen);
        Assert.Equal(closed, _driver.Writes.Last().Value);
        Assert.DoesNotContain(ValvePin, _driver.OpenPins);
        Assert.Throws<ObjectDisposedException>(valve.Open);
        Assert.Equal(closed, _driver.ValueOf(ValvePin));
    }

    [Fact]
    public void A_pour_through_the_real_gpio_classes_closes_the_valve_on_the_pulse_that_reaches_the_maximum()
    {
        const int maxMl = 500;
        var hub = new ScriptedHub();
        var session = Guid.NewGuid();
        hub.OnAuthorize = _ => new AuthorizeResult(true, session, maxMl, null, "ok", "Ann", 10m);
        using var journal = new PourJournal(Path.Combine(_dir, "journal.db"));
        var valve = new GpioValve(_gpio, ValvePin, activeHigh: true);
        var meter = new GpioFlowMeter(_gpio, MeterPin);
        var reader = new SimulatedCardReader("r1");
        using var hardware = new TapHardware(valve, meter, reader);
        using var runtime = new TapRuntime(0, hardware, journal, new ScriptedLink(hub), new PourSettings(), TimeProvider.System, NullLogger.Instance);
        runtime.Start();
        runtime.Post((m, _) => m.Configure(new ControllerTapConfig(TapId, "Tap 1", TapStatus.Active, 450, 1000, 8000)));
        runtime.Post((m, _) => m.LinkChanged(true));
        long handled = 0;
        meter.Pulse += c => Volatile.Write(ref handled, c); // runs after the runtime has seen the same count

        reader.Present("04A1B2C3");
        Assert.True(SpinWait.SpinUntil(() => valve.IsOpen, Wait), "valve opens on the allow");

        var atMaximum = FlowCalibration.PulsesFor(maxMl, 450);
        for (var i = 1L; i <= atMaximum + 20 && valve.IsOpen; i++)
        {
            _driver.Rise(MeterPin);
            var expected = i;
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref handled) >= expected, Wait), $"pulse {i} dispatched");
        }

        Assert.False(valve.IsOpen);
        var closing = _driver.Writes.Last(w => w.Pin == ValvePin);
        Assert.Equal((PinValue.Low, atMaximum), (closing.Value, closing.EdgesBefore));
        Assert.True(SpinWait.SpinUntil(() => journal.Find(session)?.State == JournalState.Finished, Wait), "finished in the journal");
        var finished = journal.Find(session)!;
        Assert.Equal((maxMl, atMaximum, EndReasons.MaxVolume), (finished.VolumeMl, finished.Pulses, finished.EndReason));
    }
}

/// <summary>
/// The valve guard closes every valve in the process, so its test runs alone: beside the end-to-end tests it would close
/// their rigs' valves mid-pour (it did, and a pour ended as flow_idle instead of at its maximum).
/// </summary>
[CollectionDefinition(nameof(ProcessWideValveGuard), DisableParallelization = true)]
public sealed class ProcessWideValveGuard;

[Collection(nameof(ProcessWideValveGuard))]
public sealed class ValveGuardTests : IDisposable
{
    private const int ValvePin = 27;
    private readonly FakeGpioDriver _driver = new();
    private readonly GpioController _gpio;

    public ValveGuardTests() => _gpio = new GpioController(_driver);

    public void Dispose() => _gpio.Dispose();

    [Fact]
    public void An_unhandled_exception_closes_an_open_valve_through_the_guard()
    {
        using var valve = new GpioValve(_gpio, ValvePin, activeHigh: true);
        valve.Open();
        Assert.Equal(PinValue.High, _driver.ValueOf(ValvePin));

        // What AppDomain.UnhandledException calls before the process dies (raising a real one would end the test run).
        ValveGuard.OnUnhandledException(this, new UnhandledExceptionEventArgs(new InvalidOperationException("boom"), isTerminating: true));

        Assert.False(valve.IsOpen);
        Assert.Equal(PinValue.Low, _driver.ValueOf(ValvePin));
    }
}
