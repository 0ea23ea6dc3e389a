using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Domain;
using TapRoom.Server.Features;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Shifts;

/// <summary>
/// Arranges what other capabilities would have written (visits, ledger, pour sessions, kegs, alerts, audit events)
/// straight into the database, with the entity fields and audit action names those capabilities use. Every time is
/// explicit, so a test states exactly what falls inside a shift's period and what does not.
/// </summary>
public sealed class ShiftWorld(TapRoomHost host)
{
    private Guid? _controllerId;
    private Guid? _locationId;

    public static DateTime At(int hour, int minute) => new(2026, 11, 21, hour, minute, 0, DateTimeKind.Utc);

    public void SetTime(int hour, int minute) => host.Time.Set(new DateTimeOffset(At(hour, minute)));

    public async Task<Guid> LocationIdAsync() => _locationId ??= await host.DbAsync(db => db.Locations.Select(l => l.Id).FirstAsync());

    public async Task<StaffUserDto> MeAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<StaffUserDto>("/api/auth/me", TapRoomHost.Json))!;

    public async Task<BeerType> BeerAsync(string name, decimal pricePerLiter)
    {
        var beer = new BeerType { Id = Guid.NewGuid(), Name = name, Abv = 5m, PricePerLiter = pricePerLiter, CreatedAt = At(17, 0) };
        await host.DbAsync(async db => { db.BeerTypes.Add(beer); await db.SaveChangesAsync(); });
        return beer;
    }

    public async Task<Keg> KegAsync(BeerType beer)
    {
        var keg = new Keg { Id = Guid.NewGuid(), LocationId = await host.DbAsync(db => db.Locations.Select(l => l.Id).FirstAsync()), BeerTypeId = beer.Id, NominalVolumeMl = 20000, RemainingVolumeMl = 20000, ReceivedAt = At(10, 0), CreatedAt = At(10, 0) };
        await host.DbAsync(async db => { db.Kegs.Add(keg); await db.SaveChangesAsync(); });
        return keg;
    }

    /// <summary>A tap with the keg connected to it (status active), served by the world's controller.</summary>
    public async Task<Tap> TapAsync(int number, Keg keg, DateTime connectedAt)
    {
        var controllerId = await ControllerIdAsync();
        var tap = new Tap
        {
            Id = Guid.NewGuid(), LocationId = await LocationIdAsync(), Number = number, Name = $"Tap {number}", Status = TapStatus.Active,
            ControllerId = controllerId, CreatedAt = At(10, 0),
        };
        await host.DbAsync(async db =>
        {
            db.Taps.Add(tap);
            await db.SaveChangesAsync();
            var k = await db.Kegs.SingleAsync(x => x.Id == keg.Id);
            k.ConnectTo(tap.Id, connectedAt);
            tap.KegId = keg.Id;
            await db.SaveChangesAsync();
        });
        await AuditAsync(AuditActions.KegConnected, "keg", keg.Id, connectedAt, new { tapId = tap.Id });
        return tap;
    }

    /// <summary>The tap's keg runs empty and another one takes its place, as the keg capability records it.</summary>
    public async Task SwapKegAsync(Tap tap, Keg old, Keg replacement, DateTime emptiedAt, DateTime connectedAt)
    {
        await host.DbAsync(async db =>
        {
            var t = await db.Taps.SingleAsync(x => x.Id == tap.Id);
            var o = await db.Kegs.SingleAsync(x => x.Id == old.Id);
            o.MarkEmpty(emptiedAt);
            t.KegId = null;
            await db.SaveChangesAsync();
            var r = await db.Kegs.SingleAsync(x => x.Id == replacement.Id);
            r.ConnectTo(tap.Id, connectedAt);
            t.KegId = r.Id;
            await db.SaveChangesAsync();
        });
        await AuditAsync(AuditActions.KegEmptied, "keg", old.Id, emptiedAt, new { tapId = tap.Id });
        await AuditAsync(AuditActions.KegConnected, "keg", replacement.Id, connectedAt, new { tapId = tap.Id });
    }

    public async Task<Visit> VisitAsync(string guestName, DateTime openedAt)
    {
        var guest = new Guest { Id = Guid.NewGuid(), Name = guestName, DateOfBirth = new DateOnly(1990, 1, 1), CreatedAt = openedAt };
        var card = new Card { Id = Guid.NewGuid(), Uid = Convert.ToHexString(RandomNumberGenerator.GetBytes(4)), GuestId = guest.Id, Status = CardStatus.Active, CreatedAt = openedAt };
        var visit = new Visit
        {
            Id = Guid.NewGuid(), LocationId = await LocationIdAsync(), GuestId = guest.Id, CardId = card.Id, OpenedAt = openedAt, OpenedBy = "Desk", VolumeLimitMl = 2000,
        };
        await host.DbAsync(async db =>
        {
            db.Guests.Add(guest);
            db.Cards.Add(card);
            db.Visits.Add(visit);
            await db.SaveChangesAsync();
        });
        await AuditAsync(AuditActions.VisitOpened, "visit", visit.Id, openedAt);
        visit.Card = card;
        return visit;
    }

    /// <summary>Closes the visit the way the desk does: refund whatever the ledger says is left, deactivate the card.</summary>
    public async Task<decimal> CloseVisitAsync(Visit visit, DateTime at)
    {
        var refunded = await host.DbAsync(async db =>
        {
            var v = await db.Visits.SingleAsync(x => x.Id == visit.Id);
            var balance = v.Balance;
            if (balance > 0) db.Ledger.Add(v.Book(new LedgerEntry { Id = Guid.NewGuid(), VisitId = v.Id, Kind = LedgerKind.Refund, Amount = -balance, Actor = "Desk", At = at }));
            v.Status = VisitStatus.Closed;
            v.ClosedAt = at;
            v.ClosedBy = "Desk";
            v.CloseReason = "guest left";
            TapRoom.Server.Features.Pours.VisitLock.Release(v);
            (await db.Cards.SingleAsync(c => c.Id == v.CardId)).Status = CardStatus.Inactive;
            await db.SaveChangesAsync();
            return balance;
        });
        await AuditAsync(AuditActions.VisitClosed, "visit", visit.Id, at, new { refunded });
        return refunded;
    }

    public Task TopUpAsync(Visit visit, decimal amount, DateTime at) => LedgerAsync(visit, LedgerKind.TopUp, amount, at, AuditActions.VisitToppedUp);

    public Task RefundAsync(Visit visit, decimal amount, DateTime at) => LedgerAsync(visit, LedgerKind.Refund, -amount, at, AuditActions.VisitRefunded);

    public Task AdjustAsync(Visit visit, decimal amount, DateTime at) => LedgerAsync(visit, LedgerKind.Adjustment, amount, at, "visit.adjusted");

    private async Task LedgerAsync(Visit visit, LedgerKind kind, decimal amount, DateTime at, string action)
    {
        await host.DbAsync(async db =>
        {
            var v = await db.Visits.SingleAsync(x => x.Id == visit.Id);
            db.Ledger.Add(v.Book(new LedgerEntry { Id = Guid.NewGuid(), VisitId = visit.Id, Kind = kind, Amount = amount, Actor = "Desk", At = at }));
            await db.SaveChangesAsync();
        });
        await AuditAsync(action, "visit", visit.Id, at, new { amount });
    }

    /// <summary>A pour the controller completed (synced): charged once at the keg's beer price, taken off the keg.</summary>
    public async Task<PourSession> PourAsync(Visit visit, Tap tap, int volumeMl, DateTime endedAt)
    {
        var pour = await NewPourAsync(visit, tap, endedAt.AddSeconds(-20));
        pour.StartedAt = endedAt.AddSeconds(-15);
        pour.EndedAt = endedAt;
        pour.VolumeMl = volumeMl;
        pour.ChargedAmount = Money.PriceOf(pour.PricePerLiter, volumeMl);
        pour.SyncStatus = SyncStatus.Synced;
        pour.SyncedAt = endedAt;
        await SavePourAsync(pour, charge: true);
        await AuditAsync(AuditActions.PourSynced, "pour", pour.Id, endedAt, new { volumeMl });
        return pour;
    }

    /// <summary>An authorised pour whose completion never arrived: <c>pending_sync</c>, the visit locked on the tap.</summary>
    public async Task<PourSession> PendingPourAsync(Visit visit, Tap tap, DateTime authorizedAt)
    {
        var pour = await NewPourAsync(visit, tap, authorizedAt);
        await SavePourAsync(pour, charge: false);
        await host.DbAsync(async db =>
        {
            var v = await db.Visits.SingleAsync(x => x.Id == visit.Id);
            if (v.Status == VisitStatus.Active)
            {
                v.ActiveTapId = tap.Id;
                v.LockSetAt = authorizedAt;
                v.ActivePourSessionId = pour.Id;
                await db.SaveChangesAsync();
            }
        });
        return pour;
    }

    /// <summary>A manager reconciles a pending pour by hand: the entered volume is charged once and the lock released.</summary>
    public async Task ReconcileAsync(PourSession pour, int volumeMl, DateTime at, string by, string comment)
    {
        await host.DbAsync(async db =>
        {
            var p = await db.PourSessions.SingleAsync(x => x.Id == pour.Id);
            p.VolumeMl = volumeMl;
            p.ChargedAmount = Money.PriceOf(p.PricePerLiter, volumeMl);
            p.SyncStatus = SyncStatus.Reconciled;
            p.ReconciledAt = at;
            p.ReconciledBy = by;
            p.ReconcileComment = comment;
            var v = await db.Visits.SingleAsync(x => x.Id == p.VisitId);
            db.Ledger.Add(v.Book(new LedgerEntry { Id = Guid.NewGuid(), VisitId = p.VisitId, Kind = LedgerKind.PourCharge, Amount = -p.ChargedAmount, PourSessionId = p.Id, Actor = by, At = at }));
            if (v.ActivePourSessionId == p.Id) TapRoom.Server.Features.Pours.VisitLock.Release(v);
            await db.SaveChangesAsync();
        });
        await AuditAsync(AuditActions.PourReconciled, "pour", pour.Id, at, new { volumeMl, comment });
    }

    /// <summary>The controller's own record arrives after the reconcile and differs beyond tolerance: never charged again.</summary>
    public async Task LateSyncMismatchAsync(PourSession pour, int controllerVolumeMl, DateTime at)
    {
        await host.DbAsync(async db =>
        {
            var p = await db.PourSessions.SingleAsync(x => x.Id == pour.Id);
            p.LateSyncOutcome = LateSyncOutcome.LateSyncMismatch;
            p.LateSyncVolumeMl = controllerVolumeMl;
            p.LateSyncAt = at;
            await db.SaveChangesAsync();
        });
        await AuditAsync(AuditActions.PourLateSyncMismatch, "pour", pour.Id, at, new { controllerVolumeMl });
    }

    public Task ForceUnlockAsync(Visit visit, DateTime at, string comment) =>
        AuditAsync(AuditActions.VisitForceUnlocked, "visit", visit.Id, at, new { comment }, actorName: "Test Manager");

    public async Task MarkPourSyncedAsync(PourSession pour, int volumeMl, DateTime at)
    {
        await host.DbAsync(async db =>
        {
            var p = await db.PourSessions.SingleAsync(x => x.Id == pour.Id);
            p.VolumeMl = volumeMl;
            p.EndedAt = at;
            p.ChargedAmount = Money.PriceOf(p.PricePerLiter, volumeMl);
            p.SyncStatus = SyncStatus.Synced;
            p.SyncedAt = at;
            var v = await db.Visits.SingleAsync(x => x.Id == p.VisitId);
            db.Ledger.Add(v.Book(new LedgerEntry { Id = Guid.NewGuid(), VisitId = p.VisitId, Kind = LedgerKind.PourCharge, Amount = -p.ChargedAmount, PourSessionId = p.Id, Actor = "controller", At = at }));
            if (v.ActivePourSessionId == p.Id) TapRoom.Server.Features.Pours.VisitLock.Release(v);
            await db.SaveChangesAsync();
        });
        await AuditAsync(AuditActions.PourSynced, "pour", pour.Id, at, new { volumeMl });
    }

    public async Task<Alert> AlertAsync(AlertSeverity severity, string type, DateTime raisedAt, AlertStatus status = AlertStatus.Open, DateTime? changedAt = null)
    {
        var alert = new Alert
        {
            LocationId = await LocationIdAsync(), Id = Guid.NewGuid(), Type = type, Severity = severity, Status = status, SubjectType = "venue", SubjectId = Guid.NewGuid(),
            Message = $"{severity} {type}", RaisedAt = raisedAt, LastRaisedAt = raisedAt,
        };
        if (status != AlertStatus.Open) { alert.AcknowledgedAt = changedAt ?? raisedAt; alert.AcknowledgedBy = "Test Manager"; alert.AcknowledgeComment = "seen"; }
        if (status == AlertStatus.Resolved) { alert.ResolvedAt = changedAt ?? raisedAt; alert.ResolvedBy = "Test Manager"; alert.ResolveComment = "fixed"; }
        await host.DbAsync(async db => { db.Alerts.Add(alert); await db.SaveChangesAsync(); });
        await AuditAsync(AuditActions.AlertRaised, "alert", alert.Id, raisedAt, new { type, severity });
        return alert;
    }

    public async Task AcknowledgeAsync(Alert alert, DateTime at)
    {
        await host.DbAsync(async db =>
        {
            var a = await db.Alerts.SingleAsync(x => x.Id == alert.Id);
            a.Status = AlertStatus.Acknowledged;
            a.AcknowledgedAt = at;
            a.AcknowledgedBy = "Test Manager";
            a.AcknowledgeComment = "on it";
            await db.SaveChangesAsync();
        });
        await AuditAsync(AuditActions.AlertAcknowledged, "alert", alert.Id, at, new { comment = "on it" });
    }

    public Task AuditAsync(string action, string subjectType, Guid? subjectId, DateTime at, object? details = null, string actorName = "Desk") =>
        host.DbAsync(async db =>
        {
            db.AuditEvents.Add(new AuditEvent
            {
                At = at, ActorType = "staff", ActorName = actorName, Action = action, SubjectType = subjectType, SubjectId = subjectId,
                LocationId = await db.Locations.OrderBy(l => l.CreatedAt).Select(l => l.Id).FirstAsync(),
                DetailsJson = details is null ? "{}" : JsonSerializer.Serialize(details, TapRoomHost.Json),
            });
            await db.SaveChangesAsync();
        });

    private async Task<PourSession> NewPourAsync(Visit visit, Tap tap, DateTime authorizedAt)
    {
        var (kegId, price) = await host.DbAsync(async db =>
        {
            var t = await db.Taps.Include(x => x.Keg).ThenInclude(k => k!.BeerType).SingleAsync(x => x.Id == tap.Id);
            return (t.KegId!.Value, t.Keg!.BeerType!.PricePerLiter);
        });
        return new PourSession
        {
            Id = Guid.NewGuid(), VisitId = visit.Id, TapId = tap.Id, KegId = kegId, ControllerId = await ControllerIdAsync(), RequestId = Guid.NewGuid(),
            CardUid = visit.Card!.Uid, MaxVolumeMl = 1000, PricePerLiter = price, AuthorizedAt = authorizedAt,
        };
    }

    private Task SavePourAsync(PourSession pour, bool charge) => host.DbAsync(async db =>
    {
        db.PourSessions.Add(pour);
        if (charge)
        {
            var visit = await db.Visits.SingleAsync(v => v.Id == pour.VisitId);
            db.Ledger.Add(visit.Book(new LedgerEntry
            {
                Id = Guid.NewGuid(), VisitId = pour.VisitId, Kind = LedgerKind.PourCharge, Amount = -pour.ChargedAmount, PourSessionId = pour.Id,
                Actor = "controller", At = pour.SyncedAt!.Value,
            }));
            var keg = await db.Kegs.SingleAsync(k => k.Id == pour.KegId);
            keg.Drain(pour.VolumeMl!.Value, KegPart.Charged);
        }
        await db.SaveChangesAsync();
    });

    private async Task<Guid> ControllerIdAsync()
    {
        if (_controllerId is { } id) return id;
        var controller = new Controller
        {
            Id = Guid.NewGuid(), LocationId = await LocationIdAsync(), Name = "pi-shifts", ApiKeyHash = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
            ApiKeyPrefix = "trk_test", IsOnline = true, CreatedAt = At(10, 0),
        };
        await host.DbAsync(async db => { db.Controllers.Add(controller); await db.SaveChangesAsync(); });
        _controllerId = controller.Id;
        return controller.Id;
    }
}
