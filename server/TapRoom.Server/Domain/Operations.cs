using TapRoom.Contracts;

namespace TapRoom.Server.Domain;

public class LostCard
{
    public Guid Id { get; set; }
    /// <summary>The venue where the loss was reported; the card is refused at every venue of the chain.</summary>
    public Guid LocationId { get; set; }
    public required string Uid { get; set; }
    public Guid? CardId { get; set; }
    public Guid? GuestId { get; set; }
    public Guid? VisitId { get; set; }
    public DateTime ReportedAt { get; set; }
    public required string ReportedBy { get; set; }
    public string? Reason { get; set; }
    public DateTime? ClearedAt { get; set; }
    public string? ClearedBy { get; set; }
}

public class Alert
{
    public Guid Id { get; set; }
    /// <summary>The venue the alert is about; staff see only their venues' alerts.</summary>
    public Guid LocationId { get; set; }
    public required string Type { get; set; }
    public AlertSeverity Severity { get; set; }
    public AlertStatus Status { get; set; } = AlertStatus.Open;
    public required string SubjectType { get; set; }
    /// <summary><see cref="Guid.Empty"/> for an alert about the whole venue.</summary>
    public Guid SubjectId { get; set; }
    public required string Message { get; set; }
    public DateTime RaisedAt { get; set; }
    public DateTime LastRaisedAt { get; set; }
    public int OccurrenceCount { get; set; } = 1;
    public DateTime? AcknowledgedAt { get; set; }
    public string? AcknowledgedBy { get; set; }
    public string? AcknowledgeComment { get; set; }
    public DateTime? ResolvedAt { get; set; }
    public string? ResolvedBy { get; set; }
    public string? ResolveComment { get; set; }
}

/// <summary>A manager silenced one alert type for one subject until a time.</summary>
public class AlertMute
{
    public Guid Id { get; set; }
    public required string Type { get; set; }
    public required string SubjectType { get; set; }
    public Guid SubjectId { get; set; }
    public DateTime Until { get; set; }
    public required string MutedBy { get; set; }
    public string? Comment { get; set; }
    public DateTime CreatedAt { get; set; }
}

public class Shift
{
    public Guid Id { get; set; }
    public Guid LocationId { get; set; }
    public ShiftStatus Status { get; set; } = ShiftStatus.Open;
    public DateTime OpenedAt { get; set; }
    public required string OpenedBy { get; set; }
    public DateTime? ClosedAt { get; set; }
    public string? ClosedBy { get; set; }
    /// <summary>Checklist items confirmed at close, by name.</summary>
    public List<string> EquipmentConfirmed { get; set; } = [];
    /// <summary>The stored report, JSON; immutable once the shift is closed.</summary>
    public string? ReportJson { get; set; }
    public List<ShiftMember> Members { get; set; } = [];
}

public class ShiftMember
{
    public Guid Id { get; set; }
    public Guid ShiftId { get; set; }
    public Guid StaffUserId { get; set; }
    public StaffUser? StaffUser { get; set; }
    public StaffRole Role { get; set; }
    public DateTime JoinedAt { get; set; }
    public DateTime? LeftAt { get; set; }
}

/// <summary>Append-only record of a change of state, written in the same transaction as the change.</summary>
public class AuditEvent
{
    public long Id { get; set; }
    public DateTime At { get; set; }
    public required string ActorType { get; set; }
    public Guid? ActorId { get; set; }
    public required string ActorName { get; set; }
    public required string Action { get; set; }
    public required string SubjectType { get; set; }
    public Guid? SubjectId { get; set; }
    /// <summary>The venue the event happened at; <c>null</c> for the chain's own (staff users, the catalogue), which only admins see.</summary>
    public Guid? LocationId { get; set; }
    public string DetailsJson { get; set; } = "{}";
}

public class PosOutboxEntry
{
    public long Id { get; set; }
    /// <summary>The venue whose money or pour the entry reports.</summary>
    public Guid LocationId { get; set; }
    /// <summary>Sent with every delivery so that the POS can drop duplicates.</summary>
    public Guid IdempotencyKey { get; set; }
    public PosOutboxKind Kind { get; set; }
    public required string PayloadJson { get; set; }
    public PosOutboxStatus Status { get; set; } = PosOutboxStatus.Pending;
    public int Attempts { get; set; }
    public DateTime NextAttemptAt { get; set; }
    public string? LastError { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? SentAt { get; set; }
    public Guid? VisitId { get; set; }
    public Guid? LedgerEntryId { get; set; }
}

/// <summary>The first result of an operation done under an operator's idempotency key.</summary>
public class IdempotencyRecord
{
    /// <summary>Operation name and key, e.g. "open-and-assign-card:3f…".</summary>
    public required string Key { get; set; }
    public required string RequestHash { get; set; }
    public required string ResultJson { get; set; }
    public DateTime CreatedAt { get; set; }
}
