using System.Text.Json.Serialization;

namespace TapRoom.Contracts;

// The shift closing wizard and the shift report. Money is decimal, volume whole millilitres, times UTC.

[JsonConverter(typeof(SnakeCaseEnumConverter<ShiftBlockerKind>))]
public enum ShiftBlockerKind { ActiveVisit, PendingSync }

/// <summary>
/// Something that must be fixed before the shift can close; <c>Link</c> is the web route that fixes it, <c>VisitId</c> the
/// visit it belongs to (the visit itself, or the pour's visit): the closing wizard opens that visit beside its list.
/// </summary>
public sealed record ShiftBlockerDto(ShiftBlockerKind Kind, Guid Id, string Title, string Link, Guid VisitId);

public sealed record ShiftAlertsCheckDto(IReadOnlyList<AlertDto> Unresolved, int CriticalUnacknowledged);

public sealed record EquipmentItemDto(string Item, bool Confirmed);

/// <summary>
/// One read that feeds every step of the closing wizard: blockers, alerts, equipment, summary. <c>CanClose</c> is
/// true when there is no blocker and no unacknowledged critical alert; the equipment is confirmed in the close request.
/// </summary>
public sealed record ShiftCloseCheckDto(
    Guid ShiftId,
    IReadOnlyList<ShiftBlockerDto> Blockers,
    ShiftAlertsCheckDto Alerts,
    IReadOnlyList<EquipmentItemDto> Equipment,
    bool CanClose,
    ShiftReportDto Summary);

public sealed record JoinShiftRequest(Guid? StaffUserId);

public sealed record CloseShiftRequest(IReadOnlyList<string>? EquipmentConfirmed, string? Comment);

/// <summary>
/// The shift report. Every figure is computed from the ledger, the pour sessions and the audit trail within
/// [<c>OpenedAt</c>, <c>PeriodEnd</c>] (both inclusive); nothing is read from a counter. <c>Final</c> reports are
/// stored when the shift closes and never change; a preview of an open shift ends at <c>GeneratedAt</c>.
/// </summary>
public sealed record ShiftReportDto(
    Guid ShiftId,
    string VenueName,
    string Currency,
    string TimeZone,
    bool Final,
    DateTime OpenedAt,
    string OpenedBy,
    DateTime? ClosedAt,
    string? ClosedBy,
    DateTime PeriodEnd,
    DateTime GeneratedAt,
    IReadOnlyList<ShiftMemberDto> Members,
    ShiftReportVisits Visits,
    ShiftReportPours Pours,
    ShiftReportMoney Money,
    ShiftReportExceptions Exceptions,
    ShiftReportKegs Kegs,
    ShiftReportAlerts Alerts,
    IReadOnlyList<string> EquipmentConfirmed,
    string? Comment);

/// <summary>Visits whose <c>openedAt</c> / <c>closedAt</c> fall in the period; <c>ActiveAtEnd</c>: still active when the report was made.</summary>
public sealed record ShiftReportVisits(int Opened, int Closed, int ActiveAtEnd);

/// <summary>
/// Pours completed in the period (synced, or reconciled by hand, with a volume above zero) and the pour charges of
/// the ledger in the period. Revenue is the sum of the pour charges.
/// </summary>
public sealed record ShiftReportPours(int Count, int VolumeMl, decimal Revenue, IReadOnlyList<ShiftReportTapLine> ByTap, IReadOnlyList<ShiftReportBeerLine> ByBeer);

public sealed record ShiftReportTapLine(Guid TapId, int TapNumber, string TapName, int Pours, int VolumeMl, decimal Revenue);

public sealed record ShiftReportBeerLine(Guid BeerTypeId, string BeerName, int Pours, int VolumeMl, decimal Revenue);

/// <summary>
/// Ledger movements in the period, as positive amounts: <c>Net</c> = top-ups − refunds; <c>Revenue</c> = pour charges;
/// <c>Adjustments</c> is signed (positive credits the guests).
/// </summary>
/// <remarks>
/// By payment method (a movement recorded without one counts as cash): <c>CashExpectedInDrawer</c> = cash top-ups −
/// cash refunds, including the money moved while no shift was open since the previous shift closed (<c>OutsideShift</c>,
/// possible only when the location's policy allows it). <c>HandledBy</c>: every staff member who moved money.
/// </remarks>
public sealed record ShiftReportMoney(
    decimal TopUps, int TopUpCount, decimal Refunds, int RefundCount, decimal Net, decimal Revenue, decimal Adjustments,
    ShiftReportPaymentSplit Cash, ShiftReportPaymentSplit Card, ShiftReportOutsideShift OutsideShift, decimal CashExpectedInDrawer,
    IReadOnlyList<ShiftReportMoneyHandler> HandledBy);

public sealed record ShiftReportPaymentSplit(decimal TopUps, int TopUpCount, decimal Refunds, int RefundCount);

/// <summary>Top-ups and refunds made while no shift was open, between the previous shift's close and this one's open.</summary>
public sealed record ShiftReportOutsideShift(DateTime? From, decimal TopUps, decimal Refunds, decimal CashNet, int Count);

public sealed record ShiftReportMoneyHandler(string Name, decimal TopUps, int TopUpCount, decimal Refunds, int RefundCount, bool OnShift);

public sealed record ShiftReportExceptions(
    int ManualReconciles,
    int ForceUnlocks,
    int LateSyncMismatches,
    IReadOnlyList<ShiftReportReconcile> Reconciles,
    IReadOnlyList<ShiftReportForceUnlock> ForceUnlockEvents,
    IReadOnlyList<ShiftReportLateSync> Mismatches);

public sealed record ShiftReportReconcile(Guid PourSessionId, Guid VisitId, string TapName, int VolumeMl, decimal ChargedAmount, DateTime At, string? By, string? Comment);

public sealed record ShiftReportForceUnlock(Guid? VisitId, DateTime At, string By, string? Comment);

public sealed record ShiftReportLateSync(Guid PourSessionId, Guid VisitId, string TapName, int ReconciledVolumeMl, int? ControllerVolumeMl, DateTime At);

/// <summary>
/// Keg changes from the audit trail (<c>keg.connected</c>, <c>keg.emptied</c>) in the period, and the waste staff
/// recorded in it by kind (every kind, 0 when none).
/// </summary>
public sealed record ShiftReportKegs(int Connected, int Emptied, IReadOnlyList<ShiftReportKegChange> Changes, IReadOnlyList<ShiftReportWasteLine>? Waste = null);

public sealed record ShiftReportWasteLine(WasteKind Kind, int Entries, int VolumeMl);

/// <summary><c>Change</c> is <c>connected</c> or <c>emptied</c>.</summary>
public sealed record ShiftReportKegChange(Guid KegId, string BeerName, Guid? TapId, string? TapName, string Change, DateTime At);

/// <summary><c>Raised</c>: alerts first raised in the period, by severity; <c>StillOpen</c>: every unresolved alert when the report was made.</summary>
public sealed record ShiftReportAlerts(ShiftReportSeverityCounts Raised, ShiftReportSeverityCounts StillOpenBySeverity, IReadOnlyList<AlertDto> StillOpen);

public sealed record ShiftReportSeverityCounts(int Info, int Warning, int Critical);
