using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.ControllerAgent.Temperature;
using TapRoom.ControllerAgent.Tests.EndToEnd;
using TapRoom.ControllerAgent.Tests.Infrastructure;

namespace TapRoom.ControllerAgent.Tests.Temperature;

/// <summary>The real agent with a fake 1-Wire bus and a simulated sensor against the real server.</summary>
public sealed class TemperatureEndToEndTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task A_throwing_sensor_stops_neither_the_others_nor_a_pour_and_readings_taken_while_the_server_is_down_arrive_after_it_is_back()
    {
        await using var server = await ServerFixture.StartAsync();
        using var venue = await Venue.ArrangeAsync(server);
        const string card = "04E2E0C1";
        var visitId = await venue.GuestWithCardAsync(card, money: 5.00m);
        using var rig = venue.Rig("e2e-temp", flowRateMlPerSecond: 100);

        var broken = new FakeOneWireThermometer("28-00000badc0de", FakeOneWireThermometer.CrcFailure());
        var slow = new FakeOneWireThermometer("28-0000000c001e", FakeOneWireThermometer.Value(85.0), FakeOneWireThermometer.Value(3.5))
        {
            ConversionTime = TimeSpan.FromMilliseconds(750),
        };
        var tower = new SimulatedTemperatureSensor("sim-tower", "tower", 4.5);
        var settings = venue.AgentSettings(Path.Combine(server.DataDirectory, "agent"));
        settings.Temperature = new TemperatureSettings { IntervalSeconds = 1 };
        await using var agent = new AgentHost(settings, [rig.Hardware],
            sensors: [new Ds18b20Sensor("cooler", broken), new Ds18b20Sensor("cooler", slow), tower]);
        await agent.StartAsync();
        await Eventually.TrueAsync(() => agent.Connection.IsUp && agent.Taps[0].Machine.Config is not null, Deadline, "agent connected");

        // A pour while the sensors are read (one of them blocking 750 ms a round, one failing every round).
        rig.Reader.Present(card);
        await Eventually.TrueAsync(() => rig.Valve.IsOpen, Deadline, "valve opens");
        await Eventually.TrueAsync(() => rig.PouredMl >= 200, Deadline, "pouring");
        rig.Reader.Remove();
        Assert.False(rig.Valve.IsOpen);
        await Eventually.TrueAsync(async () => (await venue.PoursOfAsync(visitId)).Sessions.SingleOrDefault()?.SyncStatus == SyncStatus.Synced, Deadline, "pour synced");

        await Eventually.TrueAsync(async () => await server.DbAsync(db => db.TemperatureReadings.CountAsync(r => r.SensorId == "28-0000000c001e")) >= 2
                                               && await server.DbAsync(db => db.TemperatureReadings.CountAsync(r => r.SensorId == "sim-tower")) >= 2,
            Deadline, "the good sensors' readings reach the server");
        Assert.True(broken.Reads >= 2, "the broken sensor is tried every round");
        Assert.Equal(0, await server.DbAsync(db => db.TemperatureReadings.CountAsync(r => r.SensorId == "28-00000badc0de" || r.Celsius == 85.0)));
        var zones = await server.DbAsync(db => db.TemperatureZones.OrderBy(z => z.Name).Select(z => z.Name).ToListAsync());
        Assert.Equal(["cooler", "tower"], zones);

        // The server goes away: readings are kept; once it is back, they are delivered.
        await server.StopServerAsync();
        var before = await Task.FromResult(agent.Temperature!.PendingCount);
        await Eventually.TrueAsync(() => agent.Temperature!.PendingCount >= before + 4, Deadline, "readings kept while offline");
        var stoppedAt = DateTime.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(2));
        await server.StartServerAsync();
        await Eventually.TrueAsync(async () => await server.DbAsync(db => db.TemperatureReadings.AnyAsync(r => r.SensorId == "sim-tower" && r.At > stoppedAt && r.At < stoppedAt.AddSeconds(2))),
            Deadline, "a reading taken while the server was down arrives");
        await Eventually.TrueAsync(() => agent.Temperature!.PendingCount <= 3, Deadline, "the kept readings are sent");
    }
}
