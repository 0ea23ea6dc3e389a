namespace TapRoom.Contracts;

// Enum values travel as snake_case strings (see TapRoomJson). Member names map 1:1: ProcessingSync -> "processing_sync".

public enum TapStatus { Active, Locked, Cleaning, ProcessingSync, OutOfKeg }

public enum KegStatus { Warehouse, Connected, Empty, Returned }

public enum CardStatus { Active, Inactive, Lost }

public enum GuestStatus { Active, Blocked }

public enum VisitStatus { Active, Closed }

public enum LedgerKind { TopUp, Refund, PourCharge, Adjustment }

/// <summary>How money crossed the desk: cash (into or out of the drawer) or card.</summary>
public enum PaymentMethod { Cash, Card }

public enum SyncStatus { PendingSync, Synced, Reconciled }

public enum LateSyncOutcome { LateSyncMatched, LateSyncMismatch }

public enum AlertSeverity { Info, Warning, Critical }

public enum AlertStatus { Open, Acknowledged, Resolved }

public enum ShiftStatus { Open, Closed }

public enum StaffRole { Staff, Manager, Admin }

public enum PosOutboxKind { TopUp, Refund, Pour }

public enum PosOutboxStatus { Pending, Sent, Dead, ManualDone }

public enum CompletePourOutcome { Synced, Duplicate, LateSyncMatched, LateSyncMismatch, Rejected }

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
}

public enum IssueCardStage { Bound, AlreadyBound, Assigned }
