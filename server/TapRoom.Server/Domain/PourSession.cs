using TapRoom.Contracts;

namespace TapRoom.Server.Domain;

/// <summary>A pour, issued by the server at authorisation and charged exactly once.</summary>
public class PourSession
{
    public Guid Id { get; set; }
    public Guid VisitId { get; set; }
    public Visit? Visit { get; set; }
    public Guid TapId { get; set; }
    public Guid KegId { get; set; }
    public Guid ControllerId { get; set; }
    /// <summary>The controller's id for one tap presentation; makes Authorize idempotent.</summary>
    public Guid RequestId { get; set; }
    public required string CardUid { get; set; }
    public int MaxVolumeMl { get; set; }
    /// <summary>Price per litre at authorisation; the pour is charged at this price.</summary>
    public decimal PricePerLiter { get; set; }
    public DateTime AuthorizedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? EndedAt { get; set; }
    public int? VolumeMl { get; set; }
    public int LastProgressMl { get; set; }
    public DateTime? LastProgressAt { get; set; }
    public decimal ChargedAmount { get; set; }
    public SyncStatus SyncStatus { get; set; } = SyncStatus.PendingSync;
    public DateTime? SyncedAt { get; set; }
    /// <summary>Set when the lock timeout passed without progress; the tap went processing_sync.</summary>
    public DateTime? TimedOutAt { get; set; }
    public DateTime? ReconciledAt { get; set; }
    public string? ReconciledBy { get; set; }
    public string? ReconcileComment { get; set; }
    public LateSyncOutcome? LateSyncOutcome { get; set; }
    public int? LateSyncVolumeMl { get; set; }
    public DateTime? LateSyncAt { get; set; }
}
