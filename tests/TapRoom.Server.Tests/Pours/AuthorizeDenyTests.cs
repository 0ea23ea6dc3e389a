using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Domain;
using TapRoom.Server.Features;
using TapRoom.Server.Features.Alerts;

namespace TapRoom.Server.Tests.Pours;

/// <summary>Every deny reason of CONTRACT.md, through a real controller WebSocket; a deny never takes the lock.</summary>
public sealed class AuthorizeDenyTests(PourWorldFixture fixture) : IClassFixture<PourWorldFixture>
{
    private PourWorld World => fixture.World;

    private async Task<AuthorizeResult> DeniedAsync(TapRig tap, Guid controllerTapOwner, Func<Task<AuthorizeResult>> authorize, DenyReason reason, GuestRig? guest = null)
    {
        var result = await authorize();
        Assert.False(result.Allowed, result.Message);
        Assert.Equal(reason, result.DenyReason);
        Assert.Null(result.PourSessionId);
        Assert.False(string.IsNullOrWhiteSpace(result.Message));
        var audited = await World.DbAsync(db => db.AuditEvents.AnyAsync(e => e.Action == AuditActions.PourDenied && e.SubjectId == tap.TapId
            && e.DetailsJson.Contains($"\"reason\":\"{TapRoomJson.EnumValue(reason)}\"")));
        Assert.True(audited, "the deny is audited");
        Assert.False(await World.DbAsync(db => db.PourSessions.AnyAsync(p => p.TapId == tap.TapId)));
        if (guest is not null) Assert.Null(await World.DbAsync(db => db.Visits.Where(v => v.Id == guest.VisitId).Select(v => v.ActiveTapId).SingleAsync()));
        _ = controllerTapOwner;
        return result;
    }

    [Fact]
    public async Task Unknown_card()
    {
        var (tap, c, client) = await World.TapWithControllerAsync();
        await DeniedAsync(tap, c.Id, () => client.Authorize(new AuthorizeRequest(tap.TapId, "04:AA:BB:CC:DD:EE:01", Guid.NewGuid())), DenyReason.UnknownCard);
    }

    [Fact]
    public async Task Lost_card_in_the_registry_is_denied_with_a_critical_alert_counted_on_repeat()
    {
        var (tap, c, client) = await World.TapWithControllerAsync();
        var guest = await World.GuestAsync();
        await World.DbAsync(async db =>
        {
            db.LostCards.Add(new LostCard { LocationId = World.LocationId, Id = Guid.NewGuid(), Uid = guest.CardUid, CardId = guest.CardId, GuestId = guest.GuestId, ReportedAt = World.Now, ReportedBy = "desk" });
            await db.SaveChangesAsync();
            return 0;
        });
        await DeniedAsync(tap, c.Id, () => client.Authorize(PourWorld.Present(tap, guest)), DenyReason.CardLost, guest);
        await DeniedAsync(tap, c.Id, () => client.Authorize(PourWorld.Present(tap, guest)), DenyReason.CardLost, guest);
        var alert = await World.DbAsync(db => db.Alerts.SingleAsync(a => a.Type == AlertTypes.LostCardAttempt && a.SubjectId == guest.CardId));
        Assert.Equal((AlertSeverity.Critical, "card", 2), (alert.Severity, alert.SubjectType, alert.OccurrenceCount));
        Assert.Contains(tap.Name, alert.Message);
    }

    [Fact]
    public async Task Card_with_status_lost_is_denied_and_alerted()
    {
        var (tap, c, client) = await World.TapWithControllerAsync();
        var guest = await World.GuestAsync(cardStatus: CardStatus.Lost);
        await DeniedAsync(tap, c.Id, () => client.Authorize(PourWorld.Present(tap, guest)), DenyReason.CardLost, guest);
        Assert.True(await World.DbAsync(db => db.Alerts.AnyAsync(a => a.Type == AlertTypes.LostCardAttempt && a.SubjectId == guest.CardId && a.Severity == AlertSeverity.Critical)));
    }

    [Fact]
    public async Task Inactive_card()
    {
        var (tap, c, client) = await World.TapWithControllerAsync();
        var guest = await World.GuestAsync(cardStatus: CardStatus.Inactive, withVisit: false);
        await DeniedAsync(tap, c.Id, () => client.Authorize(PourWorld.Present(tap, guest)), DenyReason.CardInactive);
    }

    [Fact]
    public async Task No_active_visit()
    {
        var (tap, c, client) = await World.TapWithControllerAsync();
        var guest = await World.GuestAsync(withVisit: false);
        await DeniedAsync(tap, c.Id, () => client.Authorize(PourWorld.Present(tap, guest)), DenyReason.NoActiveVisit);
    }

    [Fact]
    public async Task Guest_blocked()
    {
        var (tap, c, client) = await World.TapWithControllerAsync();
        var guest = await World.GuestAsync(guestStatus: GuestStatus.Blocked);
        await DeniedAsync(tap, c.Id, () => client.Authorize(PourWorld.Present(tap, guest)), DenyReason.GuestBlocked, guest);
    }

    [Theory]
    [InlineData(TapStatus.Locked)]
    [InlineData(TapStatus.Cleaning)]
    [InlineData(TapStatus.ProcessingSync)]
    public async Task Tap_not_active(TapStatus status)
    {
        var (tap, c, client) = await World.TapWithControllerAsync(status: status);
        var guest = await World.GuestAsync();
        await DeniedAsync(tap, c.Id, () => client.Authorize(PourWorld.Present(tap, guest)), DenyReason.TapNotActive, guest);
    }

    [Fact]
    public async Task Out_of_keg_by_status_without_keg_or_with_an_empty_keg()
    {
        var guest = await World.GuestAsync();
        var (t1, c1, k1) = await World.TapWithControllerAsync(status: TapStatus.OutOfKeg);
        await DeniedAsync(t1, c1.Id, () => k1.Authorize(PourWorld.Present(t1, guest)), DenyReason.OutOfKeg, guest);
        var (t2, c2, k2) = await World.TapWithControllerAsync(withKeg: false);
        await DeniedAsync(t2, c2.Id, () => k2.Authorize(PourWorld.Present(t2, guest)), DenyReason.OutOfKeg, guest);
        var (t3, c3, k3) = await World.TapWithControllerAsync(remainingMl: 0);
        await DeniedAsync(t3, c3.Id, () => k3.Authorize(PourWorld.Present(t3, guest)), DenyReason.OutOfKeg, guest);
    }

    [Fact]
    public async Task Insufficient_balance_below_the_price_of_the_minimum_volume()
    {
        // 8.00/l: 50 ml cost 0.40; 0.39 is not enough, 0.40 is.
        var (tap, c, client) = await World.TapWithControllerAsync(pricePerLiter: 8m);
        var poor = await World.GuestAsync(balance: 0.39m);
        var result = await DeniedAsync(tap, c.Id, () => client.Authorize(PourWorld.Present(tap, poor)), DenyReason.InsufficientBalance, poor);
        Assert.Equal(0.39m, result.Balance);
        var enough = await World.GuestAsync(balance: 0.40m);
        var allowed = await client.Authorize(PourWorld.Present(tap, enough));
        Assert.True(allowed.Allowed, allowed.Message);
        Assert.Equal(50, allowed.MaxVolumeMl);
    }

    [Fact]
    public async Task Visit_limit_reached()
    {
        var (tap, c, client) = await World.TapWithControllerAsync();
        var guest = await World.GuestAsync(volumeLimitMl: 500, pouredMl: 500);
        await DeniedAsync(tap, c.Id, () => client.Authorize(PourWorld.Present(tap, guest)), DenyReason.VisitLimitReached, guest);
    }

    [Fact]
    public async Task Age_restricted_at_an_alcoholic_tap_but_a_minor_may_pour_non_alcoholic()
    {
        var (tap, c, client) = await World.TapWithControllerAsync(abv: 0.6m);
        var minor = await World.GuestAsync(minor: true);
        await DeniedAsync(tap, c.Id, () => client.Authorize(PourWorld.Present(tap, minor)), DenyReason.AgeRestricted, minor);
        var (soft, _, softClient) = await World.TapWithControllerAsync(abv: 0.5m);
        Assert.True((await softClient.Authorize(PourWorld.Present(soft, minor))).Allowed);
    }

    [Fact]
    public async Task Tap_not_assigned_for_another_controllers_tap_or_an_unknown_tap()
    {
        var (mine, _, client) = await World.TapWithControllerAsync();
        var (other, otherController, _) = await World.TapWithControllerAsync();
        var guest = await World.GuestAsync();
        await DeniedAsync(other, otherController.Id, () => client.Authorize(PourWorld.Present(other, guest)), DenyReason.TapNotAssigned, guest);
        var unknown = new TapRig(Guid.NewGuid(), Guid.Empty, Guid.Empty, "none");
        await DeniedAsync(unknown, Guid.Empty, () => client.Authorize(new AuthorizeRequest(unknown.TapId, guest.CardUid, Guid.NewGuid())), DenyReason.TapNotAssigned, guest);
        Assert.True((await client.Authorize(PourWorld.Present(mine, guest))).Allowed);
    }

    [Fact]
    public async Task Card_in_use_names_the_other_tap_and_a_busy_tap_serves_no_second_card()
    {
        var (first, _, k1) = await World.TapWithControllerAsync();
        var (second, _, k2) = await World.TapWithControllerAsync();
        var guest = await World.GuestAsync();
        Assert.True((await k1.Authorize(PourWorld.Present(first, guest))).Allowed);
        var denied = await k2.Authorize(PourWorld.Present(second, guest));
        Assert.Equal(DenyReason.CardInUse, denied.DenyReason);
        Assert.Equal($"Card already in use on {first.Name}.", denied.Message);

        var other = await World.GuestAsync();
        var busy = await k1.Authorize(PourWorld.Present(first, other));
        Assert.Equal(DenyReason.TapNotActive, busy.DenyReason);
        Assert.Null(await World.DbAsync(db => db.Visits.Where(v => v.Id == other.VisitId).Select(v => v.ActiveTapId).SingleAsync()));
    }

    [Fact]
    public async Task No_open_shift_when_the_policy_requires_one()
    {
        await using var world = await PourWorld.StartAsync(openShift: false);
        var (tap, _, client) = await world.TapWithControllerAsync();
        var guest = await world.GuestAsync();
        var result = await client.Authorize(PourWorld.Present(tap, guest));
        Assert.Equal(DenyReason.NoOpenShift, result.DenyReason);
        Assert.True(await world.DbAsync(db => db.AuditEvents.AnyAsync(e => e.Action == AuditActions.PourDenied && e.DetailsJson.Contains("no_open_shift"))));
        await world.OpenShiftAsync();
        Assert.True((await client.Authorize(PourWorld.Present(tap, guest))).Allowed);
    }
}
