using System.Text.Json;

namespace TapRoom.Contracts;

// The desk: guests, cards, visits, money and the audit trail (REST).

public sealed record GuestDto(
    Guid Id,
    string Name,
    string? Phone,
    string? Email,
    DateOnly DateOfBirth,
    int Age,
    bool IsMinor,
    GuestStatus Status,
    Guid? ActiveVisitId,
    DateTime CreatedAt);

public sealed record CardDto(Guid Id, string Uid, CardStatus Status, Guid? GuestId, DateTime CreatedAt);

public sealed record GuestDetailDto(GuestDto Guest, IReadOnlyList<CardDto> Cards, IReadOnlyList<VisitSummaryDto> Visits);

/// <summary>
/// The result of "open visit and issue card". <see cref="Stage"/> is the binding step (<c>bound</c> or
/// <c>already_bound</c>); <see cref="Steps"/> lists every step done, in order, and always ends with <c>assigned</c>.
/// <see cref="VisitOpened"/> is false when the card was assigned to the guest's active visit that had no card.
/// </summary>
public sealed record OpenAndAssignCardResult(
    Guid VisitId,
    IssueCardStage Stage,
    IReadOnlyList<IssueCardStage> Steps,
    bool VisitOpened,
    Guid GuestId,
    Guid CardId,
    string CardUid,
    bool IsMinor,
    int VolumeLimitMl,
    DateTime OpenedAt);

public sealed record LedgerEntryDto(Guid Id, LedgerKind Kind, decimal Amount, Guid? PourSessionId, string Actor, string? Comment, DateTime At, PaymentMethod? PaymentMethod = null);

public sealed record PourSessionSummaryDto(
    Guid Id,
    Guid TapId,
    SyncStatus SyncStatus,
    DateTime AuthorizedAt,
    DateTime? EndedAt,
    int? VolumeMl,
    decimal ChargedAmount,
    LateSyncOutcome? LateSyncOutcome);

public sealed record VisitDetailDto(VisitSummaryDto Visit, IReadOnlyList<LedgerEntryDto> Ledger, IReadOnlyList<PourSessionSummaryDto> Pours);

public sealed record MoneyMovementResult(Guid VisitId, Guid LedgerEntryId, LedgerKind Kind, decimal Amount, decimal Balance, PaymentMethod? PaymentMethod = null);

public sealed record CloseVisitResult(Guid VisitId, decimal RemainingBalance, decimal RefundedAmount, Guid? RefundLedgerEntryId, decimal Balance, DateTime ClosedAt);

public sealed record AuditEventDto(
    long Id,
    DateTime At,
    string ActorType,
    Guid? ActorId,
    string ActorName,
    string Action,
    string SubjectType,
    Guid? SubjectId,
    JsonElement Details,
    string? SubjectName = null,
    string? Summary = null);

/// <summary>What "close all visits" would do: every active visit with the refund it would get, and those it would skip.</summary>
public sealed record CloseAllVisitsPreviewDto(int Count, decimal TotalRefund, string Currency, IReadOnlyList<CloseAllVisitLine> Visits);

/// <summary>One visit of a close-all. <c>SkipReason</c>/<c>SkipMessage</c> are set when it is (or would be) left open.</summary>
public sealed record CloseAllVisitLine(Guid VisitId, string GuestName, string? CardUid, decimal Refund, string? SkipReason, string? SkipMessage);

public sealed record CloseAllVisitsResult(int ClosedCount, decimal TotalRefunded, string Currency, IReadOnlyList<CloseAllVisitLine> Closed, IReadOnlyList<CloseAllVisitLine> Skipped, DateTime At);
