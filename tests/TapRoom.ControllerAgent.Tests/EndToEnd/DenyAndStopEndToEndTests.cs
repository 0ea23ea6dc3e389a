using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.ControllerAgent.Pouring;
using TapRoom.ControllerAgent.Tests.Infrastructure;
using TapRoom.Server.Features;

namespace TapRoom.ControllerAgent.Tests.EndToEnd;

/// <summary>The real agent against the real server: what must never open a valve, and what must close it.</summary>
public sealed class DenyAndStopEndToEndTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Unknown_and_lost_cards_never_open_the_valve_and_repeated_reads_of_one_card_make_one_authorisation()
    {
        await using var server = await ServerFixture.StartAsync();
        using var venue = await Venue.ArrangeAsync(server);
        const string lost = "04E2E011", guest = "04E2E012";
        await venue.GuestWithCardAsync(lost, money: 5m);
        await venue.PostAsync<LostCardDto>($"/api/cards/{lost}/lost", new { reason = "guest lost it" });
        var visitId = await venue.GuestWithCardAsync(guest, money: 5m);
        using var rig = venue.Rig("e2e-deny", flowRateMlPerSecond: 100);
        await using var agent = new AgentHost(venue.AgentSettings(Path.Combine(server.DataDirectory, "agent"), cardDebounceMs: 1500), [rig.Hardware]);
        await agent.StartAsync();
        await Eventually.TrueAsync(() => agent.Taps[0].Machine is { Config: not null, LinkUp: true }, Deadline, "agent ready");

        rig.Reader.Present("04FFFF01");
        await Eventually.TrueAsync(() => agent.Taps[0].LastDenial == nameof(DenyReason.UnknownCard), Deadline, "unknown card denied");
        rig.Reader.Remove();
        rig.Reader.Present(lost);
        await Eventually.TrueAsync(() => agent.Taps[0].LastDenial == nameof(DenyReason.CardLost), Deadline, "lost card denied");
        rig.Reader.Remove();
        Assert.Equal(0, rig.Valve.OpenCount);
        Assert.Equal(2, await venue.AuditCountAsync(AuditActions.PourDenied));
        Assert.Equal(1, await server.DbAsync(db => db.Alerts.CountAsync(a => a.Type == TapRoom.Server.Features.Alerts.AlertTypes.LostCardAttempt && a.Severity == AlertSeverity.Critical)));

        // A reader that repeats the UID: five reads while authorising and pouring, a flicker after the removal.
        for (var i = 0; i < 3; i++) rig.Reader.Present(guest);
        await Eventually.TrueAsync(() => rig.Valve.IsOpen, Deadline, "valve open");
        rig.Reader.Present(guest);
        rig.Reader.Present(guest);
        await Eventually.TrueAsync(() => rig.PouredMl >= 30, Deadline, "some beer");
        rig.Reader.Remove();
        rig.Reader.Present(guest);
        rig.Reader.Remove();
        await Eventually.TrueAsync(async () => (await venue.PoursOfAsync(visitId)).Sessions is [{ SyncStatus: SyncStatus.Synced }], Deadline, "the one pour synced");
        Assert.Equal(1, rig.Valve.OpenCount);
        Assert.Single((await venue.PoursOfAsync(visitId)).Charges);
        Assert.Equal(1, await venue.AuditCountAsync(AuditActions.PourAuthorized));
    }

    [Fact]
    public async Task StopPour_from_a_staff_lock_or_a_manager_force_unlock_closes_the_valve_and_the_pour_is_charged_once()
    {
        await using var server = await ServerFixture.StartAsync();
        using var venue = await Venue.ArrangeAsync(server, taps: 2);
        const string a = "04E2E021", b = "04E2E022";
        var visitA = await venue.GuestWithCardAsync(a, money: 9m);
        var visitB = await venue.GuestWithCardAsync(b, money: 9m);
        using var rig1 = venue.Rig("e2e-stop-1", flowRateMlPerSecond: 40);
        using var rig2 = venue.Rig("e2e-stop-2", flowRateMlPerSecond: 40);
        await using var agent = new AgentHost(venue.AgentSettings(Path.Combine(server.DataDirectory, "agent")), [rig1.Hardware, rig2.Hardware]);
        await agent.StartAsync();
        await Eventually.TrueAsync(() => agent.Taps.All(t => t.Machine is { Config: not null, LinkUp: true }), Deadline, "agent ready");
        using var staff = await StaffAsync(venue);

        rig1.Reader.Present(a);
        rig2.Reader.Present(b);
        await Eventually.TrueAsync(() => rig1.Valve.IsOpen && rig2.Valve.IsOpen && rig1.PouredMl > 20 && rig2.PouredMl > 20, Deadline, "both pouring");

        // Staff lock tap 1 mid-pour: the server sends StopPour, the agent closes the valve with the card still on.
        await venue.PostAsync<System.Text.Json.JsonElement>($"/api/taps/{venue.TapIds[0]}/status", new { status = TapStatus.Locked, comment = "foam" }, staff);
        await Eventually.TrueAsync(() => !rig1.Valve.IsOpen, Deadline, "StopPour closes valve 1");
        Assert.True(rig2.Valve.IsOpen, "the other tap pours on");
        await Eventually.TrueAsync(async () => (await venue.PoursOfAsync(visitA)).Sessions is [{ SyncStatus: SyncStatus.Synced }], Deadline, "pour A synced");
        Assert.Equal(PourState.Stopped, agent.Taps[0].Machine.State);

        // A manager force-unlocks visit B mid-pour: StopPour too.
        await venue.PostAsync<System.Text.Json.JsonElement>($"/api/visits/{visitB}/force-unlock", new { comment = "guest left the card on the tap" });
        await Eventually.TrueAsync(() => !rig2.Valve.IsOpen, Deadline, "StopPour closes valve 2");
        await Eventually.TrueAsync(async () => (await venue.PoursOfAsync(visitB)).Sessions is [{ SyncStatus: SyncStatus.Synced }], Deadline, "pour B synced");

        foreach (var (visit, rig) in new[] { (visitA, rig1), (visitB, rig2) })
        {
            var (sessions, charges) = await venue.PoursOfAsync(visit);
            var session = Assert.Single(sessions);
            Assert.InRange(session.VolumeMl!.Value, 20, rig.PouredMl);
            Assert.Equal(-Venue.PricePerLiter * session.VolumeMl.Value / 1000m, Assert.Single(charges).Amount);
            Assert.Equal(1, rig.Valve.OpenCount);
        }
        rig1.Reader.Remove();
        rig2.Reader.Remove();
        Assert.Equal(TapStatus.Locked, (await venue.TapAsync(0)).Status);
    }

    private static async Task<HttpClient> StaffAsync(Venue venue)
    {
        await venue.PostAsync<StaffUserDto>("/api/staff", new { login = "bar", name = "Bar Staff", role = StaffRole.Staff, password = "staff-password-1" });
        var staff = await Venue.SignInAsync(venue.Server, "bar", "staff-password-1");
        var shift = await venue.GetAsync<ShiftDto>("/api/shifts/current");
        await venue.PostAsync<ShiftDto>($"/api/shifts/{shift.Id}/members", new { }, staff);
        return staff;
    }
}
