using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;

namespace TapRoom.Server.Features.Pours;

/// <summary>
/// One card, one tap (rule 3): a visit pours on at most one tap at a time. This is the rule's one home: the lock is
/// taken only by <see cref="TakeAsync"/> (an authorisation) and released only by <see cref="ReleaseAfterPourAsync"/>
/// (an accepted sync or a manual reconcile) or <see cref="Release"/> (a manager's audited force-unlock, or closing a
/// visit whose pour is no longer in progress; one that is cannot be closed: <see cref="Visits.VisitLoader.EnsureNotPouringAsync"/>). The unique index
/// <c>UX_Visits_ActiveTap</c> keeps one tap from serving two visits.
/// </summary>
public static class VisitLock
{
    public enum Taken { Yes, HeldElsewhere, VisitClosed, FactsChanged }

    /// <summary>
    /// Takes the lock with one conditional UPDATE: only while no tap holds the visit, the visit is active, and the
    /// balance and poured volume still allow the maximum the decision handed out (rule 5). Racing controllers get
    /// exactly one <see cref="Taken.Yes"/>; under READ COMMITTED PostgreSQL re-checks the WHERE on the row after the
    /// winner commits, so the loser reads its rule's answer at once, without a retry.
    /// </summary>
    public static async Task<Taken> TakeAsync(TapRoomDbContext db, Guid visitId, Guid tapId, Guid pourSessionId, decimal reservedAmount,
        int pouredVolumeMl, DateTime now, CancellationToken ct)
    {
        var locked = await db.Visits
            .Where(v => v.Id == visitId && v.ActiveTapId == null && v.Status == VisitStatus.Active
                && v.Balance >= reservedAmount && v.PouredVolumeMl <= pouredVolumeMl)
            .ExecuteUpdateAsync(s => s
                .SetProperty(v => v.ActiveTapId, tapId)
                .SetProperty(v => v.LockSetAt, now)
                .SetProperty(v => v.ActivePourSessionId, pourSessionId), ct);
        if (locked == 1) return Taken.Yes;
        var now2 = await db.Visits.AsNoTracking().Where(v => v.Id == visitId).Select(v => new { v.ActiveTapId, v.Status }).FirstAsync(ct);
        return now2.Status != VisitStatus.Active ? Taken.VisitClosed
            : now2.ActiveTapId is not null ? Taken.HeldElsewhere
            : Taken.FactsChanged;
    }

    /// <summary>The pour that holds the lock was synced or reconciled: its visit is free again (only if this pour holds it).</summary>
    public static Task<int> ReleaseAfterPourAsync(TapRoomDbContext db, Guid visitId, Guid pourSessionId, CancellationToken ct) =>
        db.Visits
            .Where(v => v.Id == visitId && v.ActivePourSessionId == pourSessionId)
            .ExecuteUpdateAsync(s => s
                .SetProperty(v => v.ActiveTapId, (Guid?)null)
                .SetProperty(v => v.LockSetAt, (DateTime?)null)
                .SetProperty(v => v.ActivePourSessionId, (Guid?)null), ct);

    /// <summary>A force-unlock or a close, on a visit loaded for change (row-locked, <see cref="RowLocks"/>); audited by the caller.</summary>
    public static void Release(Visit visit)
    {
        visit.ActiveTapId = null;
        visit.LockSetAt = null;
        visit.ActivePourSessionId = null;
    }
}
