using System.Text.Json;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;

namespace TapRoom.Server.Infrastructure;

/// <summary>Adds audit events to the current unit of work; they commit with the change they describe.</summary>
public sealed class AuditTrail(TapRoomDbContext db, CurrentActor actor, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = TapRoomJson.CreateOptions();

    public AuditEvent Record(string action, string subjectType, Guid? subjectId, object? details = null)
    {
        var a = actor.Value;
        var e = new AuditEvent
        {
            At = time.GetUtcNow().UtcDateTime,
            ActorType = a.KindName,
            ActorId = a.Id,
            ActorName = a.Name,
            Action = action,
            SubjectType = subjectType,
            SubjectId = subjectId,
            DetailsJson = details is null ? "{}" : JsonSerializer.Serialize(details, Json),
        };
        db.AuditEvents.Add(e);
        return e;
    }
}
