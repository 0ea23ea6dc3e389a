using Microsoft.Extensions.Logging.Abstractions;
using TapRoom.Contracts;
using TapRoom.ControllerAgent.Temperature;
using TapRoom.ControllerAgent.Tests.Infrastructure;

namespace TapRoom.ControllerAgent.Tests.Temperature;

public sealed class TemperatureMonitorTests
{
    private static TemperatureMonitor Monitor(ManualTime time, ScriptedLink link, params ITemperatureSensor[] sensors) =>
        new(sensors, link, new TemperatureSettings { IntervalSeconds = 30, KeepMinutes = 60 }, time, NullLogger.Instance);

    [Fact]
    public async Task Readings_are_kept_while_the_link_is_cut_the_last_hour_only_and_delivered_in_batches_oldest_first_once_it_is_back()
    {
        var time = new ManualTime();
        var hub = new ScriptedHub();
        var link = new ScriptedLink(hub) { IsUp = false };
        var cooler = new SimulatedTemperatureSensor("sim-cooler", "cooler", 3.0, seed: 1);
        var tower = new SimulatedTemperatureSensor("sim-tower", "tower", 4.0, seed: 2);
        var monitor = Monitor(time, link, cooler, tower);

        // 90 minutes offline, a round every 30 s: only the last hour stays (121 rounds of 2 sensors → 2 × 121).
        for (var round = 0; round <= 180; round++)
        {
            monitor.ReadAll();
            await monitor.SendKeptAsync();
            time.Advance(TimeSpan.FromSeconds(30));
        }
        Assert.Empty(hub.TemperatureBatches);
        Assert.Equal(2 * 121, monitor.PendingCount);

        // A send that fails keeps everything for the next try.
        link.IsUp = true;
        hub.OnTemperature = _ => throw new IOException("connection reset");
        await monitor.SendKeptAsync();
        Assert.Equal(2 * 121, monitor.PendingCount);

        hub.OnTemperature = r => new TemperatureReadingsResult(r.Readings.Count, 0);
        await monitor.SendKeptAsync();
        Assert.Equal(0, monitor.PendingCount);
        var batches = hub.TemperatureBatches.ToList(); // the failed send never reached the hub
        Assert.Equal([200, 42], batches.Select(b => b.Readings.Count));
        var sent = batches.SelectMany(b => b.Readings).ToList();
        Assert.Equal(sent.OrderBy(r => r.At), sent);
        Assert.True(sent[0].At >= time.Now.AddMinutes(-61), $"oldest {sent[0].At:O} at {time.Now:O}");
        Assert.Equal(121, sent.Count(r => r.Zone == "tower" && r.SensorId == "sim-tower"));
        Assert.All(sent.Where(r => r.Zone == "cooler"), r => Assert.InRange(r.Celsius!.Value, 2.8, 3.2));
    }

    [Fact]
    public async Task A_ds18b20s_power_on_value_and_a_bad_crc_are_ignored_and_the_next_good_reading_kept()
    {
        var time = new ManualTime();
        var hub = new ScriptedHub();
        var device = new FakeOneWireThermometer("28-0316a2795cff",
            FakeOneWireThermometer.Value(85.0), FakeOneWireThermometer.CrcFailure(), FakeOneWireThermometer.Value(-127.0), FakeOneWireThermometer.Value(4.1875));
        var logs = new CapturingLoggerFactory();
        var monitor = new TemperatureMonitor([new Ds18b20Sensor("cooler", device)], new ScriptedLink(hub),
            new TemperatureSettings(), time, logs.CreateLogger("temperature"));

        for (var round = 0; round < 4; round++)
        {
            monitor.ReadAll();
            time.Advance(TimeSpan.FromSeconds(30));
        }
        await monitor.SendKeptAsync();

        Assert.Equal(4, device.Reads);
        var reading = Assert.Single(Assert.Single(hub.TemperatureBatches).Readings);
        Assert.Equal(("28-0316a2795cff", "cooler", 4.1875), (reading.SensorId, reading.Zone, reading.Celsius!.Value));
        Assert.Contains(logs.Lines, l => l.Contains("28-0316a2795cff") && l.Contains("Unable to read temperature"));
    }
}
