using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Alerts;

public static class AlertTypes
{
    public const string LostCardAttempt = "lost_card_attempt";
    public const string KegLow = "keg_low";
    public const string SyncMismatch = "sync_mismatch";
    public const string LockTimeout = "lock_timeout";
    public const string ControllerOffline = "controller_offline";
    public const string PosDeadLetter = "pos_dead_letter";
    public const string FlowWithoutPour = "flow_without_pour";
    public const string OverPour = "over_pour";
    public const string TemperatureOutOfRange = "temperature_out_of_range";
    public const string SensorSilent = "sensor_silent";
    /// <summary>A beer's reorder date (stock ÷ rate, less the venue's lead time) has come.</summary>
    public const string ReorderDue = "reorder_due";
}

public sealed record AlertChangedNotification(Guid AlertId, bool IsNew) : INotification;

/// <summary>
/// Raises an alert inside the current unit of work. An open alert of the same type and subject is counted, not
/// duplicated (the database's unique index backs this up); a higher severity escalates it. A muted subject is not raised.
/// Two commands raising the same alert at once (two instances, READ COMMITTED) take turns on a transaction-scoped
/// advisory lock of its type and subject, so the second sees the first's alert and counts it instead of failing on
/// the unique index.
/// </summary>
public sealed class AlertRaiser(TapRoomDbContext db, TimeProvider time, AuditTrail audit, DomainEvents events, LocationContext location)
{
    /// <param name="locationId">The venue the alert concerns; the scope's venue when not given.</param>
    public async Task<Alert?> RaiseAsync(string type, AlertSeverity severity, string subjectType, Guid subjectId, string message, CancellationToken ct, Guid? locationId = null)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var muted = await db.AlertMutes.AnyAsync(m => m.Type == type && m.SubjectType == subjectType && m.SubjectId == subjectId && m.Until > now, ct);
        if (muted) return null;

        await LockSubjectAsync(type, subjectType, subjectId, ct);
        var open = db.Alerts.Local.FirstOrDefault(a => a.Type == type && a.SubjectType == subjectType && a.SubjectId == subjectId && a.Status != AlertStatus.Resolved)
            ?? await db.Alerts.FirstOrDefaultAsync(a => a.Type == type && a.SubjectType == subjectType && a.SubjectId == subjectId && a.Status != AlertStatus.Resolved, ct);
        if (open is not null)
        {
            open.OccurrenceCount++;
            open.LastRaisedAt = now;
            open.Message = message;
            if (severity > open.Severity) open.Severity = severity;
            audit.Record("alert.repeated", "alert", open.Id, new { type, open.OccurrenceCount });
            events.Add(new AlertChangedNotification(open.Id, IsNew: false));
            return open;
        }

        var alert = new Alert
        {
            Id = Guid.NewGuid(),
            LocationId = locationId ?? (await location.GetAsync(ct)).Id,
            Type = type,
            Severity = severity,
            SubjectType = subjectType,
            SubjectId = subjectId,
            Message = message,
            RaisedAt = now,
            LastRaisedAt = now,
        };
        db.Alerts.Add(alert);
        audit.Record("alert.raised", "alert", alert.Id, new { type, severity, subjectType, subjectId, message });
        events.Add(new AlertChangedNotification(alert.Id, IsNew: true));
        return alert;
    }

    /// <summary>Takes turns with every other command raising this alert, until this transaction ends.</summary>
    public Task LockSubjectAsync(string type, string subjectType, Guid subjectId, CancellationToken ct) =>
        RowLocks.LockNameAsync(db, $"alert:{type}:{subjectType}:{subjectId}", ct);
}
