using System.Reflection;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Alerts;

public static class ListAlerts
{
    public static readonly string[] Statuses = ["open", "acknowledged", "resolved", "unresolved"];
    public static readonly string[] Severities = ["info", "warning", "critical"];

    public sealed record Query(string? Status, string? Severity, int? Limit, Guid? LocationId = null) : IQuery<IReadOnlyList<AlertDto>>;

    public sealed class Validator : AbstractValidator<Query>
    {
        public Validator()
        {
            RuleFor(x => x.Status).Must(s => s is null || Statuses.Contains(s)).WithMessage("'status' is one of open, acknowledged, resolved, unresolved.");
            RuleFor(x => x.Severity).Must(s => s is null || Severities.Contains(s)).WithMessage("'severity' is one of info, warning, critical.");
            RuleFor(x => x.Limit).InclusiveBetween(1, 1000);
        }
    }

    public sealed class Handler(TapRoomDbContext db, TimeProvider time, VenueAccess access) : IRequestHandler<Query, IReadOnlyList<AlertDto>>
    {
        public async Task<IReadOnlyList<AlertDto>> Handle(Query request, CancellationToken cancellationToken)
        {
            var venues = await access.ScopeAsync(request.LocationId, cancellationToken);
            IQueryable<Alert> q = db.Alerts.Where(a => venues.Contains(a.LocationId));
            q = request.Status switch
            {
                "open" => q.Where(a => a.Status == AlertStatus.Open),
                "acknowledged" => q.Where(a => a.Status == AlertStatus.Acknowledged),
                "resolved" => q.Where(a => a.Status == AlertStatus.Resolved),
                "unresolved" => q.Where(a => a.Status != AlertStatus.Resolved),
                _ => q,
            };
            if (request.Severity is not null)
            {
                var severity = Enum.Parse<AlertSeverity>(request.Severity, ignoreCase: true);
                q = q.Where(a => a.Severity == severity);
            }
            q = q.OrderByDescending(a => a.RaisedAt).ThenByDescending(a => a.LastRaisedAt).Take(request.Limit ?? 200);
            return await ReadModels.Alerts(db, q, time.GetUtcNow().UtcDateTime).ToListAsync(cancellationToken);
        }
    }
}

/// <summary>Someone is on it. Anyone on staff may acknowledge; a critical alert needs a comment saying what is being done.</summary>
public static class AcknowledgeAlert
{
    public sealed record Command(Guid AlertId, string? Comment) : ICommand<AlertDto>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("alert", AlertId);
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(x => x.Comment).MaximumLength(1000);
    }

    public sealed class Handler(TapRoomDbContext db, CurrentActor actor, AuditTrail audit, TimeProvider time, DomainEvents events)
        : IRequestHandler<Command, AlertDto>
    {
        public async Task<AlertDto> Handle(Command request, CancellationToken cancellationToken)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var alert = await db.Alerts.FirstOrDefaultAsync(a => a.Id == request.AlertId, cancellationToken)
                ?? throw new NotFoundException("Alert", request.AlertId);
            if (alert.Status == AlertStatus.Resolved) throw new DomainException("alert_already_resolved", "The alert is resolved already.");
            if (alert.Status == AlertStatus.Acknowledged) throw new DomainException("alert_already_acknowledged", $"{alert.AcknowledgedBy} acknowledged the alert already.");
            var comment = string.IsNullOrWhiteSpace(request.Comment) ? null : request.Comment.Trim();
            if (alert.Severity == AlertSeverity.Critical && comment is null)
                throw new DomainException("comment_required", "A critical alert is acknowledged with a comment.", StatusCodes.Status400BadRequest);

            alert.Status = AlertStatus.Acknowledged;
            alert.AcknowledgedAt = now;
            alert.AcknowledgedBy = actor.Value.Name;
            alert.AcknowledgeComment = comment;
            audit.Record(AuditActions.AlertAcknowledged, "alert", alert.Id, new { alert.Type, alert.Severity, comment });
            events.Add(new AlertChangedNotification(alert.Id, IsNew: false));
            await db.SaveChangesAsync(cancellationToken);
            return await ReadModels.Alerts(db, db.Alerts.Where(a => a.Id == alert.Id), now).SingleAsync(cancellationToken);
        }
    }
}

/// <summary>The cause is dealt with. Always with a comment; a critical alert only by a manager.</summary>
public static class ResolveAlert
{
    public sealed record Command(Guid AlertId, string Comment) : ICommand<AlertDto>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("alert", AlertId);
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(x => x.Comment).NotEmpty().Must(c => !string.IsNullOrWhiteSpace(c)).WithMessage("'Comment' must not be empty.").MaximumLength(1000);
    }

    public sealed class Handler(TapRoomDbContext db, CurrentActor actor, AuditTrail audit, TimeProvider time, DomainEvents events)
        : IRequestHandler<Command, AlertDto>
    {
        public async Task<AlertDto> Handle(Command request, CancellationToken cancellationToken)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var alert = await db.Alerts.FirstOrDefaultAsync(a => a.Id == request.AlertId, cancellationToken)
                ?? throw new NotFoundException("Alert", request.AlertId);
            if (alert.Status == AlertStatus.Resolved) throw new DomainException("alert_already_resolved", "The alert is resolved already.");
            if (alert.Severity == AlertSeverity.Critical && actor.Value.Kind == ActorKind.Staff && !actor.Value.IsAtLeast(StaffRole.Manager))
                throw new ForbiddenException("Only a manager can resolve a critical alert.");

            alert.Status = AlertStatus.Resolved;
            alert.ResolvedAt = now;
            alert.ResolvedBy = actor.Value.Name;
            alert.ResolveComment = request.Comment.Trim();
            audit.Record(AuditActions.AlertResolved, "alert", alert.Id, new { alert.Type, alert.Severity, comment = alert.ResolveComment });
            events.Add(new AlertChangedNotification(alert.Id, IsNew: false));
            await db.SaveChangesAsync(cancellationToken);
            return await ReadModels.Alerts(db, db.Alerts.Where(a => a.Id == alert.Id), now).SingleAsync(cancellationToken);
        }
    }
}

/// <summary>
/// A manager silences one alert type for one subject for up to 24 hours: while the mute runs, raising that alert does
/// nothing (not even a repeat count), and alerts already there are listed as muted.
/// </summary>
public static class MuteAlerts
{
    public const int MaxMinutes = 24 * 60;

    public static readonly IReadOnlyList<string> KnownTypes = typeof(AlertTypes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f is { IsLiteral: true } && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!).ToList();

    public sealed record Command(string Type, string SubjectType, Guid SubjectId, int Minutes, string Comment) : ICommand<AlertMuteDto>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.Type).NotEmpty().Must(t => KnownTypes.Contains(t)).WithMessage(_ => $"'type' is one of {string.Join(", ", KnownTypes)}.");
            RuleFor(x => x.SubjectType).NotEmpty().MaximumLength(32).Matches("^[a-z_]+$");
            RuleFor(x => x.Minutes).InclusiveBetween(1, MaxMinutes);
            RuleFor(x => x.Comment).NotEmpty().Must(c => !string.IsNullOrWhiteSpace(c)).WithMessage("'Comment' must not be empty.").MaximumLength(1000);
        }
    }

    public sealed class Handler(TapRoomDbContext db, CurrentActor actor, AuditTrail audit, TimeProvider time, DomainEvents events, VenueAccess access)
        : IRequestHandler<Command, AlertMuteDto>
    {
        public async Task<AlertMuteDto> Handle(Command request, CancellationToken cancellationToken)
        {
            // Only a subject of the user's venues can be muted.
            VenueKind? kind = request.SubjectType switch
            {
                "tap" => VenueKind.Tap, "keg" => VenueKind.Keg, "visit" => VenueKind.Visit, "controller" => VenueKind.Controller, _ => null,
            };
            if (kind is { } k && await VenueScopeSetup.VenueOfAsync(db, k, request.SubjectId.ToString(), cancellationToken) is { } venue)
                await access.EnterAsync(venue, request.SubjectType, request.SubjectId, cancellationToken);
            var now = time.GetUtcNow().UtcDateTime;
            var mute = new AlertMute
            {
                Id = Guid.NewGuid(),
                Type = request.Type,
                SubjectType = request.SubjectType,
                SubjectId = request.SubjectId,
                Until = now.AddMinutes(request.Minutes),
                MutedBy = actor.Value.Name,
                Comment = request.Comment.Trim(),
                CreatedAt = now,
            };
            db.AlertMutes.Add(mute);
            audit.Record(AuditActions.AlertMuted, request.SubjectType, request.SubjectId == Guid.Empty ? null : request.SubjectId,
                new { muteId = mute.Id, mute.Type, request.Minutes, mute.Until, mute.Comment });
            var affected = await db.Alerts.AsNoTracking()
                .Where(a => a.Type == mute.Type && a.SubjectType == mute.SubjectType && a.SubjectId == mute.SubjectId && a.Status != AlertStatus.Resolved)
                .Select(a => a.Id).ToListAsync(cancellationToken);
            foreach (var id in affected) events.Add(new AlertChangedNotification(id, IsNew: false));
            return new AlertMuteDto(mute.Id, mute.Type, mute.SubjectType, mute.SubjectId, mute.Until, mute.MutedBy, mute.Comment, mute.CreatedAt);
        }
    }
}
