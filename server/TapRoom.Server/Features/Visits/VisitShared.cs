using FluentValidation;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;

namespace TapRoom.Server.Features.Visits;

public static class MoneyRules
{
    public const decimal MaxAmount = 10_000m;

    /// <summary>A desk amount: more than zero, at most <see cref="MaxAmount"/>, whole cents.</summary>
    public static IRuleBuilderOptions<T, decimal> DeskAmount<T>(this IRuleBuilder<T, decimal> rule) =>
        rule.GreaterThan(0m).WithMessage("The amount must be more than zero.")
            .LessThanOrEqualTo(MaxAmount).WithMessage($"The amount must be at most {MaxAmount}.")
            .Must(a => a == Math.Round(a, 2)).WithMessage("The amount has at most 2 decimals.");
}

public static class VisitLoader
{
    /// <summary>
    /// The visit (with its stored balance, not its ledger), for a change: its row locked first (<see cref="RowLocks"/>),
    /// so its checks (not pouring, the balance) still hold when it is written. Refused when unknown.
    /// </summary>
    public static async Task<Visit> LoadForChangeAsync(TapRoomDbContext db, Guid visitId, CancellationToken ct)
    {
        await RowLocks.LockAsync<Visit>(db, visitId, ct);
        return await db.Visits.Include(v => v.Card).Include(v => v.Guest).FirstOrDefaultAsync(v => v.Id == visitId, ct)
            ?? throw new NotFoundException("Visit", visitId);
    }

    /// <summary>
    /// A visit holding a tap lock has a pour in progress (or one not yet synced): the authorised maximum reserves
    /// balance, so money may not leave the visit until the lock is released.
    /// </summary>
    public static async Task EnsureNotPouringAsync(TapRoomDbContext db, Visit visit, CancellationToken ct)
    {
        if (visit.ActiveTapId is not { } tapId) return;
        var tapName = await db.Taps.Where(t => t.Id == tapId).Select(t => t.Name).FirstOrDefaultAsync(ct) ?? "another tap";
        throw new DomainException("visit_pouring", $"The visit is pouring on {tapName}; wait until the pour is synced.",
            details: new { tapId });
    }

    public static async Task EnsureNoPendingSyncAsync(TapRoomDbContext db, Visit visit, CancellationToken ct)
    {
        var pending = await db.PourSessions.Where(p => p.VisitId == visit.Id && p.SyncStatus == SyncStatus.PendingSync)
            .Select(p => p.Id).ToListAsync(ct);
        if (pending.Count > 0)
            throw new DomainException("visit_has_pending_sync",
                "The visit has a pour that is not synced yet; a manager must reconcile it first.",
                details: new { pourSessionIds = pending });
    }

    public static object PosPayload(Visit visit, LedgerEntry entry, decimal balance) => new
    {
        visitId = visit.Id,
        guestId = visit.GuestId,
        ledgerEntryId = entry.Id,
        kind = entry.Kind,
        amount = Math.Abs(entry.Amount),
        balance,
        at = entry.At,
        paymentMethod = entry.PaymentMethod,
        actor = entry.Actor,
        comment = entry.Comment,
    };
}

/// <summary>
/// A desk money movement (top-up or refund): its ledger entry with how it was paid, its POS outbox row (rule 9), its
/// audit event and the dashboard notification, all in the caller's transaction. Returns the entry and the balance
/// after it. Refused with <c>no_open_shift</c> while no shift is open, unless the location's policy
/// <see cref="LocationPolicies.DeskMoneyWithoutOpenShift"/> allows it (then the next shift's report lists it).
/// </summary>
public sealed class VisitLedger(TapRoomDbContext db, Pos.PosOutboxWriter pos, Infrastructure.AuditTrail audit,
    Infrastructure.DomainEvents events, Infrastructure.CurrentActor actor, Infrastructure.LocationContext location, TimeProvider time)
{
    public async Task<(LedgerEntry Entry, decimal Balance)> RecordAsync(Visit visit, LedgerKind kind, decimal amount, string? comment,
        PaymentMethod? method, CancellationToken ct)
    {
        // The visit's venue decides (its shift, its policies, its audit), whoever asks.
        location.Use(visit.LocationId);
        await EnsureMoneyMayMoveAsync(ct);
        return Record(visit, kind, amount, comment, method ?? PaymentMethod.Cash);
    }

    /// <summary>Refuses a desk money movement while no shift is open, unless the location's policy allows it.</summary>
    public async Task EnsureMoneyMayMoveAsync(CancellationToken ct)
    {
        var venue = await location.GetAsync(ct);
        if (venue.Policies.DeskMoneyWithoutOpenShift) return;
        if (!await db.Shifts.AnyAsync(s => s.LocationId == venue.Id && s.Status == ShiftStatus.Open, ct))
            throw new DomainException("no_open_shift",
                "No shift is open, so the desk takes and gives back no money. A manager opens the shift first.");
    }

    private (LedgerEntry Entry, decimal Balance) Record(Visit visit, LedgerKind kind, decimal amount, string? comment, PaymentMethod method)
    {
        var (signed, posKind, action) = kind switch
        {
            LedgerKind.TopUp => (amount, PosOutboxKind.TopUp, AuditActions.VisitToppedUp),
            LedgerKind.Refund => (-amount, PosOutboxKind.Refund, AuditActions.VisitRefunded),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "The desk moves money in top-ups and refunds only."),
        };
        var entry = new LedgerEntry
        {
            Id = Guid.NewGuid(),
            VisitId = visit.Id,
            Kind = kind,
            Amount = signed,
            Actor = actor.Value.Name,
            Comment = string.IsNullOrWhiteSpace(comment) ? null : comment.Trim(),
            At = time.GetUtcNow().UtcDateTime,
            PaymentMethod = method,
        };
        db.Ledger.Add(visit.Book(entry));
        var balance = visit.Balance;
        pos.Enqueue(posKind, visit.LocationId, visit.Id, entry, VisitLoader.PosPayload(visit, entry, balance));
        audit.Record(action, "visit", visit.Id, new { ledgerEntryId = entry.Id, amount, balance, paymentMethod = method, entry.Comment });
        events.Add(new VisitChangedNotification(visit.Id));
        return (entry, balance);
    }
}
