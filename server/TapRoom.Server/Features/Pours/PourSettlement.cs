using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Alerts;
using TapRoom.Server.Features.Pos;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Pours;

/// <summary>A pour's money and volume, settled once (by the controller's completion or a manager's reconcile).</summary>
public sealed record Settlement(int VolumeMl, int ChargedVolumeMl, decimal ChargedAmount, int DrainedMl, bool OverPour, decimal Balance);

/// <summary>
/// Charges a pour exactly once and takes its volume off its keg. The caller has already claimed the session with a
/// conditional update, so two settlements of one session cannot both get here.
/// <list type="bullet">
/// <item>Under the policy's minimum charged pour (ghost flow, line refill): recorded and drained (the beer left the
/// keg) but not charged and not counted against the visit's limit.</item>
/// <item>Above the authorised maximum: drained as reported, charged at most the maximum, over-pour alert.</item>
/// <item>Otherwise charged volume == drained volume (rule 6).</item>
/// </list>
/// </summary>
public sealed class PourSettlement(
    TapRoomDbContext db,
    LocationContext location,
    AuditTrail audit,
    AlertRaiser alerts,
    PosOutboxWriter outbox,
    DomainEvents events,
    CurrentActor actor,
    TimeProvider time)
{
    // Tracked reads of every settlement, prepared once (Infrastructure/HotQuery).
    private static readonly Func<TapRoomDbContext, Guid, CancellationToken, Task<Visit>> VisitQuery = HotQuery.Create(
        (TapRoomDbContext db, Guid id, CancellationToken _) => db.Visits.First(v => v.Id == id));
    private static readonly Func<TapRoomDbContext, Guid, CancellationToken, Task<Keg>> KegQuery = HotQuery.Create(
        (TapRoomDbContext db, Guid id, CancellationToken _) => db.Kegs.First(k => k.Id == id));
    private static readonly Func<TapRoomDbContext, Guid, CancellationToken, Task<Tap>> TapQuery = HotQuery.Create(
        (TapRoomDbContext db, Guid id, CancellationToken _) => db.Taps.First(t => t.Id == id));

    public async Task<Settlement> SettleAsync(PourSession session, int volumeMl, CancellationToken ct)
    {
        var policies = await location.PoliciesAsync(ct);
        // The visit's stored balance moves with its charge (ADR 0065): its ledger is not read.
        var visit = await VisitQuery(db, session.VisitId, ct);
        var keg = await KegQuery(db, session.KegId, ct);
        var tap = await TapQuery(db, session.TapId, ct);

        var overPour = volumeMl > session.MaxVolumeMl;
        var chargedVolume = volumeMl < policies.MinimumChargedPourMl ? 0 : Math.Min(volumeMl, session.MaxVolumeMl);
        var amount = chargedVolume > 0 ? Money.PriceOf(session.PricePerLiter, chargedVolume) : 0m;
        // A keg swapped out since the allow is no longer tracked; its volume is history.
        var drained = keg.Status == KegStatus.Connected ? keg.Drain(volumeMl) : 0;

        session.VolumeMl = volumeMl;
        session.ChargedAmount = amount;
        if (chargedVolume > 0)
        {
            visit.PouredVolumeMl += volumeMl;
            var entry = new LedgerEntry
            {
                Id = Guid.NewGuid(),
                VisitId = visit.Id,
                Kind = LedgerKind.PourCharge,
                Amount = -amount,
                PourSessionId = session.Id,
                Actor = actor.Value.Name,
                At = time.GetUtcNow().UtcDateTime,
            };
            db.Ledger.Add(visit.Book(entry));
            outbox.Enqueue(PosOutboxKind.Pour, visit, entry, new
            {
                pourSessionId = session.Id,
                visitId = visit.Id,
                tapId = session.TapId,
                kegId = session.KegId,
                volumeMl = chargedVolume,
                pricePerLiter = session.PricePerLiter,
                amount,
            });
        }
        if (overPour)
        {
            await alerts.RaiseAsync(AlertTypes.OverPour, AlertSeverity.Warning, "tap", tap.Id,
                $"{tap.Name} poured {volumeMl} ml against an authorised maximum of {session.MaxVolumeMl} ml; charged {chargedVolume} ml.", ct);
        }

        if (visit.ActivePourSessionId == session.Id) visit.ReleaseLock();
        await ReturnTapIfClearAsync(db, audit, events, tap, session.Id, ct);

        events.Add(new VisitChangedNotification(visit.Id));
        events.Add(new TapChangedNotification(tap.Id));
        events.Add(new KegChangedNotification(keg.Id));
        events.Add(new SyncQueueChangedNotification());
        return new Settlement(volumeMl, chargedVolume, amount, drained, overPour, visit.Balance);
    }

    /// <summary>
    /// A tap in <c>processing_sync</c> goes back to <c>active</c> once no pour on it still holds a visit's lock
    /// (pending_sync, timed out or not), <paramref name="settledSessionId"/> excepted.
    /// </summary>
    public static async Task ReturnTapIfClearAsync(TapRoomDbContext db, AuditTrail audit, DomainEvents events, Tap tap, Guid? settledSessionId, CancellationToken ct)
    {
        if (tap.Status != TapStatus.ProcessingSync) return;
        // Asked from the visits' side: the visits holding this tap (UX_Visits_ActiveTap, at most one) rather than every
        // pour pending on it, which a journal replay of thousands of pours would scan once per completion.
        var stillHeld = await db.Visits.AnyAsync(v => v.ActiveTapId == tap.Id && v.ActivePourSessionId != null && v.ActivePourSessionId != settledSessionId
            && db.PourSessions.Any(p => p.Id == v.ActivePourSessionId && p.TapId == tap.Id && p.SyncStatus == SyncStatus.PendingSync), ct);
        if (stillHeld) return;
        tap.Status = TapStatus.Active;
        audit.Record(AuditActions.TapStatusChanged, "tap", tap.Id, new { from = TapStatus.ProcessingSync, to = TapStatus.Active, reason = "pours_synced" });
        events.Add(new TapChangedNotification(tap.Id));
    }
}
