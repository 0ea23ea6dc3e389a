using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.ControllerAgent.Hardware.Simulated;
using TapRoom.ControllerAgent.Pouring;
using TapRoom.ControllerAgent.Tests.Infrastructure;

namespace TapRoom.ControllerAgent.Tests.EndToEnd;

/// <summary>
/// Guided calibration end to end: the real server, the real agent, and a simulated meter whose true factor is 5 % off
/// the one the server configured (PRODUCT.md "Calibration, guided").
/// </summary>
public sealed class CalibrationEndToEndTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);
    private const int TrueFactor = Venue.PulsesPerLiter * 105 / 100; // 5880 pulses per litre, the server thinks 5600

    private static async Task<AgentHost> StartAgentAsync(Venue venue, string dir, SimulatedTapRig rig)
    {
        var agent = new AgentHost(venue.AgentSettings(dir), [rig.Hardware]);
        await agent.StartAsync();
        await Eventually.TrueAsync(() => agent.Connection.IsUp && agent.Taps.All(t => t.Machine.Config is not null && t.Machine.LinkUp), Deadline, "agent connected and configured");
        return agent;
    }

    /// <summary>What the jug holds: the pulses the meter gave, at its true factor, read to the millilitre.</summary>
    private static int Jug(long pulses) => (int)Math.Round(pulses * 1000m / TrueFactor);

    private static async Task<CalibrationDto> PourAsync(Venue venue, SimulatedTapRig rig, int targetMl)
    {
        var before = rig.Meter.PulseCount;
        var started = await venue.PostAsync<StartCalibrationResult>($"/api/taps/{venue.TapIds[0]}/calibrations", new { targetMl });
        await Eventually.TrueAsync(async () => (await venue.GetAsync<CalibrationDto>($"/api/calibrations/{started.CalibrationId}")).Status == CalibrationStatus.Poured,
            Deadline, "the calibration pour reported");
        Assert.False(rig.Valve.IsOpen);
        var poured = await venue.GetAsync<CalibrationDto>($"/api/calibrations/{started.CalibrationId}");
        Assert.Equal(rig.Meter.PulseCount - before, poured.Pulses);
        return await venue.PostAsync<CalibrationDto>($"/api/calibrations/{started.CalibrationId}/measured", new { measuredMl = Jug(poured.Pulses!.Value) });
    }

    [Fact]
    public async Task Three_pours_find_the_true_factor_within_one_percent_applying_it_makes_the_next_pour_right_and_nothing_is_charged()
    {
        await using var server = await ServerFixture.StartAsync();
        using var venue = await Venue.ArrangeAsync(server);
        using var rig = new SimulatedTapRig("cal-1", 150, TrueFactor, noisePercent: 5, seed: 11);
        await using var agent = await StartAgentAsync(venue, Path.Combine(server.DataDirectory, "agent"), rig);

        var pours = new List<CalibrationDto>();
        for (var i = 0; i < 3; i++)
        {
            var measured = await PourAsync(venue, rig, 500);
            Assert.Equal(CalibrationStatus.Measured, measured.Status);
            Assert.Equal(Venue.PulsesPerLiter, measured.PulsesPerLiterUsed);
            // Closed at the target by the factor in force: 500 ml by 5600 is 2800 pulses, 476 ml in the jug.
            Assert.InRange(measured.Pulses!.Value, FlowCalibration.PulsesFor(500, Venue.PulsesPerLiter), FlowCalibration.PulsesFor(500, Venue.PulsesPerLiter) + 1);
            Assert.InRange(measured.MeasuredMl!.Value, 470, 480);
            pours.Add(measured);
        }

        var proposal = await venue.GetAsync<CalibrationProposalDto>($"/api/taps/{venue.TapIds[0]}/calibration-proposal");
        Assert.Equal((3, Venue.PulsesPerLiter), (proposal.Samples, proposal.CurrentPulsesPerLiter));
        Assert.InRange(proposal.PulsesPerLiter!.Value, TrueFactor * 0.99, TrueFactor * 1.01);
        Assert.False(proposal.SpreadWarning, $"spread {proposal.SpreadPercent} %");

        var applied = await venue.PostAsync<CalibrationAppliedDto>($"/api/taps/{venue.TapIds[0]}/calibration-proposal/apply", new { comment = "jug of 1 l, three pours" });
        Assert.Equal((Venue.PulsesPerLiter, proposal.PulsesPerLiter.Value), (applied.PreviousPulsesPerLiter, applied.PulsesPerLiter));
        await Eventually.TrueAsync(() => agent.Taps[0].Machine.Config?.PulsesPerLiter == applied.PulsesPerLiter, Deadline, "ConfigChanged brings the new factor");
        Assert.Equal(0, (await venue.GetAsync<CalibrationProposalDto>($"/api/taps/{venue.TapIds[0]}/calibration-proposal")).Samples);

        // The next guest pour runs to its maximum (5.00 at 10.00 a litre: 500 ml) and the jug agrees within 1 %.
        var visitId = await venue.GuestWithCardAsync("04CA1B01", money: 5.00m);
        var before = rig.Meter.PulseCount;
        rig.Reader.Present("04CA1B01");
        await Eventually.TrueAsync(async () => (await venue.PoursOfAsync(visitId)).Sessions.SingleOrDefault()?.SyncStatus == SyncStatus.Synced, Deadline, "the pour synced");
        rig.Reader.Remove();
        var (sessions, charges) = await venue.PoursOfAsync(visitId);
        var pour = Assert.Single(sessions);
        Assert.Equal(500, pour.VolumeMl);
        Assert.InRange(Jug(rig.Meter.PulseCount - before), 495, 505);

        // The calibration pours were never charged and are the keg's calibration part.
        Assert.Equal(-5.00m, Assert.Single(charges).Amount);
        var keg = await venue.GetAsync<KegYieldDto>($"/api/kegs/{venue.KegIds[0]}/yield");
        Assert.Equal(pours.Sum(p => p.VolumeMl!.Value), keg.CalibrationMl);
        Assert.Equal((500, 5.00m), (keg.ChargedMl, keg.Revenue));
        Assert.Equal(keg.NominalMl, keg.RemainingMl + keg.ChargedMl + keg.CalibrationMl);
        foreach (var action in new[] { "calibration.started", "calibration.poured", "calibration.measured" })
            Assert.Equal(3, await venue.AuditCountAsync(action));
        Assert.Equal(1, await venue.AuditCountAsync("calibration.applied", venue.TapIds[0]));
    }

    [Fact]
    public async Task A_link_drop_mid_calibration_closes_the_valve_and_the_pour_is_reported_once_the_link_is_back()
    {
        await using var server = await ServerFixture.StartAsync();
        using var venue = await Venue.ArrangeAsync(server);
        using var rig = new SimulatedTapRig("cal-2", 60, TrueFactor, noisePercent: 0, seed: 5);
        await using var agent = await StartAgentAsync(venue, Path.Combine(server.DataDirectory, "agent"), rig);

        // 1000 ml at 60 ml/s is some 17 s of pouring: the server goes away well before the target.
        var started = await venue.PostAsync<StartCalibrationResult>($"/api/taps/{venue.TapIds[0]}/calibrations", new { targetMl = 1000 });
        await Eventually.TrueAsync(() => rig.Valve.IsOpen, Deadline, "the valve opens on the server's command, with no card");
        await Eventually.TrueAsync(() => rig.PouredMl >= 60, Deadline, "beer flows");
        await server.StopServerAsync();
        await Eventually.TrueAsync(() => !rig.Valve.IsOpen, TimeSpan.FromSeconds(30), "the valve closes when the link is lost");
        var pulses = rig.Meter.PulseCount;
        Assert.InRange(FlowCalibration.Millilitres(pulses, Venue.PulsesPerLiter), 60, 999);

        await server.StartServerAsync();
        using var admin = await Venue.SignInAsync(server, "admin", ServerFixture.AdminPassword);
        await Eventually.TrueAsync(async () => (await server.DbAsync(db => db.TapCalibrations.AsNoTracking().SingleAsync(c => c.Id == started.CalibrationId))).Status == CalibrationStatus.Poured,
            Deadline, "the agent reports the pour after it reconnects");
        var calibration = await server.DbAsync(db => db.TapCalibrations.AsNoTracking().SingleAsync(c => c.Id == started.CalibrationId));
        Assert.Equal(pulses, calibration.Pulses);
        Assert.Equal(FlowCalibration.Millilitres(pulses, Venue.PulsesPerLiter), calibration.VolumeMl);
        Assert.Equal(calibration.VolumeMl, (await server.DbAsync(db => db.Kegs.AsNoTracking().SingleAsync(k => k.Id == venue.KegIds[0]))).CalibrationMl);
    }
}
