using System.Text.Json.Serialization;

namespace TapRoom.Contracts;

// Enum values travel as snake_case strings (see TapRoomJson). Member names map 1:1: ProcessingSync -> "processing_sync".

[JsonConverter(typeof(SnakeCaseEnumConverter<TapStatus>))]
public enum TapStatus { Active, Locked, Cleaning, ProcessingSync, OutOfKeg }

[JsonConverter(typeof(SnakeCaseEnumConverter<KegStatus>))]
public enum KegStatus { Warehouse, Connected, Empty, Returned }

[JsonConverter(typeof(SnakeCaseEnumConverter<CardStatus>))]
public enum CardStatus { Active, Inactive, Lost }

[JsonConverter(typeof(SnakeCaseEnumConverter<GuestStatus>))]
public enum GuestStatus { Active, Blocked }

[JsonConverter(typeof(SnakeCaseEnumConverter<VisitStatus>))]
public enum VisitStatus { Active, Closed }

[JsonConverter(typeof(SnakeCaseEnumConverter<LedgerKind>))]
public enum LedgerKind { TopUp, Refund, PourCharge, Adjustment }

/// <summary>How money crossed the desk: cash (into or out of the drawer) or card.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<PaymentMethod>))]
public enum PaymentMethod { Cash, Card }

[JsonConverter(typeof(SnakeCaseEnumConverter<SyncStatus>))]
public enum SyncStatus { PendingSync, Synced, Reconciled }

[JsonConverter(typeof(SnakeCaseEnumConverter<LateSyncOutcome>))]
public enum LateSyncOutcome { LateSyncMatched, LateSyncMismatch }

[JsonConverter(typeof(SnakeCaseEnumConverter<AlertSeverity>))]
public enum AlertSeverity { Info, Warning, Critical }

[JsonConverter(typeof(SnakeCaseEnumConverter<AlertStatus>))]
public enum AlertStatus { Open, Acknowledged, Resolved }

[JsonConverter(typeof(SnakeCaseEnumConverter<ShiftStatus>))]
public enum ShiftStatus { Open, Closed }

[JsonConverter(typeof(SnakeCaseEnumConverter<StaffRole>))]
public enum StaffRole { Staff, Manager, Admin }

[JsonConverter(typeof(SnakeCaseEnumConverter<PosOutboxKind>))]
public enum PosOutboxKind { TopUp, Refund, Pour }

[JsonConverter(typeof(SnakeCaseEnumConverter<PosOutboxStatus>))]
public enum PosOutboxStatus { Pending, Sent, Dead, ManualDone }

[JsonConverter(typeof(SnakeCaseEnumConverter<CompletePourOutcome>))]
public enum CompletePourOutcome { Synced, Duplicate, LateSyncMatched, LateSyncMismatch, Rejected }

[JsonConverter(typeof(SnakeCaseEnumConverter<DenyReason>))]
public enum DenyReason
{
    UnknownCard,
    CardLost,
    CardInactive,
    NoActiveVisit,
    CardInUse,
    TapNotActive,
    OutOfKeg,
    InsufficientBalance,
    VisitLimitReached,
    AgeRestricted,
    NoOpenShift,
    TapNotAssigned,
    GuestBlocked,
    /// <summary>The server could not decide now (a transient database failure, retried); nothing was recorded: present the card again.</summary>
    ServerBusy,
    /// <summary>The card's visit is open at another venue of the chain; the message names that venue.</summary>
    WrongVenue,
}

[JsonConverter(typeof(SnakeCaseEnumConverter<IssueCardStage>))]
public enum IssueCardStage { Bound, AlreadyBound, Assigned }

/// <summary>What staff record as waste from a keg (PRODUCT.md "Where the beer goes").</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<WasteKind>))]
public enum WasteKind { Spill, Foam, Other }

/// <summary>A guided calibration pour: the valve is open, it closed and reported its pulses, staff entered the jug's volume.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<CalibrationStatus>))]
public enum CalibrationStatus { Pouring, Poured, Measured }
