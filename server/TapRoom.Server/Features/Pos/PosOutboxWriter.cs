using System.Text.Json;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;

namespace TapRoom.Server.Features.Pos;

/// <summary>Rule 9: every money movement writes its POS notification to the outbox in the same transaction.</summary>
public sealed class PosOutboxWriter(TapRoomDbContext db, TimeProvider time, Infrastructure.DomainEvents events)
{
    private static readonly JsonSerializerOptions Json = TapRoomJson.CreateOptions();

    public PosOutboxEntry Enqueue(PosOutboxKind kind, Guid locationId, Guid visitId, LedgerEntry entry, object payload)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var row = new PosOutboxEntry
        {
            IdempotencyKey = Guid.NewGuid(),
            LocationId = locationId,
            Kind = kind,
            PayloadJson = JsonSerializer.Serialize(payload, Json),
            CreatedAt = now,
            NextAttemptAt = now,
            VisitId = visitId,
            LedgerEntryId = entry.Id,
        };
        db.PosOutbox.Add(row);
        events.Add(new PosOutboxChangedNotification());
        return row;
    }
}
