using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Alerts;
using TapRoom.Server.Features.Kegs;
using TapRoom.Server.Features.Pos;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Pours;

/// <summary>A pour's money and volume, settled once (by the controller's completion or a manager's reconcile).</summary>
public sealed record Settlement(int VolumeMl, int ChargedVolumeMl, decimal ChargedAmount, int DrainedMl, bool OverPour, decimal Balance);

/// <summary>
/// Charges a pour exactly once and takes its volume off its keg. The caller has already claimed the session through
/// <see cref="PourLifecycle"/> (complete or reconcile), so two settlements of one session cannot both get here, and
/// the ledger's unique index on the pour session backs that up.
/// <list type="bullet">
/// <item>Under the policy's minimum charged pour (ghost flow, line refill): recorded and drained (the beer left the
/// keg) but not charged and not counted against the visit's limit.</item>
/// <item>Above the authorised maximum: drained as reported, charged at most the maximum, over-pour alert.</item>
/// <item>Otherwise charged volume == drained volume (rule 6).</item>
/// </list>
/// The visit's balance and the keg's volume move by atomic UPDATEs (<see cref="ChargeAsync"/>,
/// <see cref="KegVolume.DrainAsync"/>), never by writing back a value read before: concurrent pours on one keg, or a
/// pour and a desk top-up on one visit, cannot overwrite each other under READ COMMITTED. A tap waiting in
/// processing_sync is returned by the caller (<see cref="ReturnTapIfClearAsync"/>): a completion does it for every
/// waiting tap of its controller.
/// </summary>
public sealed class PourSettlement(
    TapRoomDbContext db,
    LocationContext location,
    AlertRaiser alerts,
    PosOutboxWriter outbox,
    DomainEvents events,
    CurrentActor actor,
    TimeProvider time)
{
    private static readonly Func<TapRoomDbContext, Guid, CancellationToken, Task<decimal>> BalanceQuery = HotQuery.Create(
        (TapRoomDbContext db, Guid id, CancellationToken _) => db.Visits.Where(v => v.Id == id).Select(v => v.Balance).First());
    private static readonly Func<TapRoomDbContext, Guid, CancellationToken, Task<string>> TapNameQuery = HotQuery.Create(
        (TapRoomDbContext db, Guid id, CancellationToken _) => db.Taps.Where(t => t.Id == id).Select(t => t.Name).First());

    public async Task<Settlement> SettleAsync(PourSession session, int volumeMl, CancellationToken ct)
    {
        var policies = await location.PoliciesAsync(ct);
        var overPour = volumeMl > session.MaxVolumeMl;
        var chargedVolume = volumeMl < policies.MinimumChargedPourMl ? 0 : Math.Min(volumeMl, session.MaxVolumeMl);
        var amount = chargedVolume > 0 ? Money.PriceOf(session.PricePerLiter, chargedVolume) : 0m;
        // A keg swapped out since the allow is no longer tracked; its volume is history.
        var drained = await KegVolume.DrainAsync(db, session.KegId, volumeMl, chargedVolume > 0 ? KegPart.Charged : KegPart.BelowMinimum, ct);

        if (chargedVolume > 0)
        {
            amount = await ChargeAsync(session.VisitId, amount, volumeMl, ct);
            var entry = new LedgerEntry
            {
                Id = Guid.NewGuid(),
                VisitId = session.VisitId,
                Kind = LedgerKind.PourCharge,
                Amount = -amount,
                PourSessionId = session.Id,
                Actor = actor.Value.Name,
                At = time.GetUtcNow().UtcDateTime,
            };
            db.Ledger.Add(entry);
            outbox.Enqueue(PosOutboxKind.Pour, (await location.GetAsync(ct)).Id, session.VisitId, entry, new
            {
                pourSessionId = session.Id,
                visitId = session.VisitId,
                tapId = session.TapId,
                kegId = session.KegId,
                volumeMl = chargedVolume,
                pricePerLiter = session.PricePerLiter,
                amount,
            });
        }
        session.VolumeMl = volumeMl;
        session.ChargedAmount = amount;
        if (overPour)
        {
            await alerts.RaiseAsync(AlertTypes.OverPour, AlertSeverity.Warning, "tap", session.TapId,
                $"{await TapNameQuery(db, session.TapId, ct)} poured {volumeMl} ml against an authorised maximum of {session.MaxVolumeMl} ml; charged {chargedVolume} ml.", ct);
        }

        await VisitLock.ReleaseAfterPourAsync(db, session.VisitId, session.Id, ct);

        events.Add(new VisitChangedNotification(session.VisitId));
        events.Add(new TapChangedNotification(session.TapId));
        events.Add(new KegChangedNotification(session.KegId));
        events.Add(new SyncQueueChangedNotification());
        return new Settlement(volumeMl, chargedVolume, amount, drained, overPour, await BalanceQuery(db, session.VisitId, ct));
    }

    /// <summary>
    /// The balance never goes below zero (rule 5): one UPDATE moves it by the amount only while it covers it. The
    /// authorisation reserved the maximum it handed out, and money cannot leave a pouring visit, so that is the case;
    /// should a pour still come back dearer (a force-unlocked pour synced after the next was allowed), the row is
    /// locked and what is left is charged. Returns the amount charged.
    /// </summary>
    private async Task<decimal> ChargeAsync(Guid visitId, decimal amount, int volumeMl, CancellationToken ct)
    {
        var charged = await db.Visits
            .Where(v => v.Id == visitId && v.Balance >= amount)
            .ExecuteUpdateAsync(s => s
                .SetProperty(v => v.Balance, v => v.Balance - amount)
                .SetProperty(v => v.PouredVolumeMl, v => v.PouredVolumeMl + volumeMl), ct);
        if (charged == 1) return amount;
        await RowLocks.LockAsync<Visit>(db, visitId, ct);
        var left = Math.Max(0m, await BalanceQuery(db, visitId, ct));
        await db.Visits.Where(v => v.Id == visitId)
            .ExecuteUpdateAsync(s => s
                .SetProperty(v => v.Balance, v => v.Balance - left)
                .SetProperty(v => v.PouredVolumeMl, v => v.PouredVolumeMl + volumeMl), ct);
        return left;
    }

    /// <summary>
    /// A tap in <c>processing_sync</c> goes back to <c>active</c> once no pour on it still holds a visit's lock
    /// (pending_sync, timed out or not), <paramref name="settledSessionId"/> excepted: one conditional UPDATE, so of
    /// several completions clearing the same tap one writes (and audits) the change.
    /// </summary>
    public static async Task ReturnTapIfClearAsync(TapRoomDbContext db, AuditTrail audit, DomainEvents events, Guid tapId, Guid? settledSessionId, CancellationToken ct)
    {
        // Asked from the visits' side: the visits holding this tap (UX_Visits_ActiveTap, at most one) rather than every
        // pour pending on it, which a journal replay of thousands of pours would scan once per completion.
        var returned = await db.Taps
            .Where(t => t.Id == tapId && t.Status == TapStatus.ProcessingSync
                && !db.Visits.Any(v => v.ActiveTapId == tapId && v.ActivePourSessionId != null && v.ActivePourSessionId != settledSessionId
                    && db.PourSessions.Any(p => p.Id == v.ActivePourSessionId && p.TapId == tapId && p.SyncStatus == SyncStatus.PendingSync)))
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.Status, TapStatus.Active), ct);
        if (returned == 0) return;
        db.NoteTapStatusChange(tapId);
        audit.Record(AuditActions.TapStatusChanged, "tap", tapId, new { from = TapStatus.ProcessingSync, to = TapStatus.Active, reason = "pours_synced" });
        events.Add(new TapChangedNotification(tapId));
    }
}
