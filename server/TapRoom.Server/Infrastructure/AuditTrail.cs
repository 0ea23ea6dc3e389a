using System.Data.Common;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;

namespace TapRoom.Server.Infrastructure;

/// <summary>Adds audit events to the current unit of work; they commit with the change they describe.</summary>
public sealed class AuditTrail(TapRoomDbContext db, CurrentActor actor, LocationContext location, TimeProvider time)
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
            LocationId = location.CurrentId,
            DetailsJson = details is null ? "{}" : JsonSerializer.Serialize(details, Json),
        };
        db.AuditEvents.Add(e);
        return e;
    }

    /// <summary>
    /// Inserts the audit events recorded so far in this unit of work with one INSERT statement (per 100 events) instead
    /// of one each, and stops tracking them; they still commit in the command's transaction. For a command that records
    /// many events at once while it holds SQLite's single writer, whose EF provider sends one statement per row (a chunk
    /// of POS deliveries, ADR 0074). Table, columns, value conversions and parameter types come from the EF model, as
    /// SaveChanges would use them; the events' generated ids are not read back.
    /// </summary>
    public async Task SaveRecordedAsync(CancellationToken ct)
    {
        var added = db.ChangeTracker.Entries<AuditEvent>().Where(e => e.State == EntityState.Added).ToList();
        if (added.Count == 0) return;
        var entityType = db.Model.FindEntityType(typeof(AuditEvent))!;
        var table = StoreObjectIdentifier.Table(entityType.GetTableName()!, entityType.GetSchema());
        var columns = entityType.GetProperties().Where(p => p.ValueGenerated == ValueGenerated.Never).ToList();
        var sql = db.GetService<ISqlGenerationHelper>();
        await using var factory = db.Database.GetDbConnection().CreateCommand(); // only makes the provider's parameters
        foreach (var rows in added.Chunk(100))
        {
            var text = new StringBuilder("INSERT INTO ").Append(sql.DelimitIdentifier(table.Name, table.Schema))
                .Append(" (").AppendJoin(", ", columns.Select(c => sql.DelimitIdentifier(c.GetColumnName(table)!))).Append(") VALUES ");
            var parameters = new List<DbParameter>(rows.Length * columns.Count);
            foreach (var row in rows)
            {
                text.Append(parameters.Count == 0 ? "(" : ", (");
                for (var i = 0; i < columns.Count; i++)
                {
                    var name = "p" + parameters.Count;
                    text.Append(i == 0 ? "" : ", ").Append(sql.GenerateParameterNamePlaceholder(name));
                    var mapping = (RelationalTypeMapping)columns[i].GetRelationalTypeMapping();
                    parameters.Add(mapping.CreateParameter(factory, sql.GenerateParameterName(name), row.Property(columns[i]).CurrentValue, columns[i].IsNullable));
                }
                text.Append(')');
            }
            await db.Database.ExecuteSqlRawAsync(text.ToString(), parameters, ct);
        }
        foreach (var e in added) e.State = EntityState.Detached;
    }
}
