using TapRoom.Contracts;

namespace TapRoom.Server.Domain;

public class Visit
{
    public Guid Id { get; set; }
    public Guid LocationId { get; set; }
    public Guid GuestId { get; set; }
    public Guest? Guest { get; set; }
    public Guid? CardId { get; set; }
    public Card? Card { get; set; }
    public VisitStatus Status { get; set; } = VisitStatus.Active;
    public bool IsMinor { get; set; }
    public DateTime OpenedAt { get; set; }
    public required string OpenedBy { get; set; }
    public DateTime? ClosedAt { get; set; }
    public string? ClosedBy { get; set; }
    public string? CloseReason { get; set; }
    /// <summary>One card, one tap: the tap this visit is pouring on, taken and released only by <c>Features.Pours.VisitLock</c>.</summary>
    public Guid? ActiveTapId { get; set; }
    public DateTime? LockSetAt { get; set; }
    public Guid? ActivePourSessionId { get; set; }
    public int PouredVolumeMl { get; set; }
    public int VolumeLimitMl { get; set; }
    public List<LedgerEntry> Ledger { get; set; } = [];

    /// <summary>
    /// The sum of the visit's ledger, stored on the visit and moved with every entry in the same transaction
    /// (<see cref="Book"/>; ADR 0065), so no one reads the whole ledger to know it. The invariant checker proves
    /// stored == ledger sum.
    /// </summary>
    public decimal Balance { get; set; }

    /// <summary>Adds <paramref name="entry"/> to this visit's balance; the caller adds the entry itself to the ledger.</summary>
    public LedgerEntry Book(LedgerEntry entry)
    {
        if (entry.VisitId != Id) throw new InvalidOperationException("A ledger entry is booked on its own visit.");
        Balance += entry.Amount;
        return entry;
    }

    public void EnsureActive()
    {
        if (Status != VisitStatus.Active)
            throw new DomainException("visit_closed", "The visit is closed.");
    }
}

public class LedgerEntry
{
    public Guid Id { get; set; }
    public Guid VisitId { get; set; }
    public LedgerKind Kind { get; set; }
    /// <summary>Signed: top-ups are positive, refunds and pour charges negative.</summary>
    public decimal Amount { get; set; }
    public Guid? PourSessionId { get; set; }
    public required string Actor { get; set; }
    public string? Comment { get; set; }
    public DateTime At { get; set; }
    /// <summary>How the guest paid (top-up) or was paid (refund); null for pour charges and adjustments.</summary>
    public PaymentMethod? PaymentMethod { get; set; }
}
