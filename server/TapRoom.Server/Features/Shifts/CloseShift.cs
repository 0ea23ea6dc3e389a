using System.Text.Json;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Shifts;

/// <summary>
/// Everything the closing wizard shows, in one read: blockers, alerts, the equipment checklist and the report preview.
/// </summary>
public static class GetCloseCheck
{
    public sealed record Query(Guid ShiftId) : IQuery<ShiftCloseCheckDto>;

    public sealed class Handler(TapRoomDbContext db, LocationContext location, ShiftReportBuilder reports, TimeProvider time)
        : IRequestHandler<Query, ShiftCloseCheckDto>
    {
        public async Task<ShiftCloseCheckDto> Handle(Query request, CancellationToken cancellationToken)
        {
            var shift = await db.Shifts.AsNoTracking().Include(s => s.Members).FirstOrDefaultAsync(s => s.Id == request.ShiftId, cancellationToken)
                ?? throw new NotFoundException("Shift", request.ShiftId);
            ShiftRules.EnsureOpen(shift);
            var blockers = await ShiftRules.BlockersAsync(db, shift.LocationId, cancellationToken);
            var unresolved = (await ReadModels.Alerts(db, ShiftRules.Unresolved(db, shift.LocationId), null).ToListAsync(cancellationToken))
                .OrderByDescending(a => a.Severity).ThenBy(a => a.RaisedAt).ToList();
            var critical = unresolved.Count(a => a.Severity == AlertSeverity.Critical && a.Status == AlertStatus.Open);
            var equipment = (await location.GetAsync(cancellationToken)).EquipmentChecklist.Select(i => new EquipmentItemDto(i, false)).ToList();
            var summary = await reports.BuildAsync(shift, time.GetUtcNow().UtcDateTime, final: false, [], null, cancellationToken);
            return new ShiftCloseCheckDto(shift.Id, blockers, new ShiftAlertsCheckDto(unresolved, critical), equipment,
                CanClose: blockers.Count == 0 && critical == 0, summary);
        }
    }
}

/// <summary>
/// A manager closes the shift. The server re-checks every rule itself (the wizard is not the guard), then stores the
/// final report, which never changes afterwards.
/// </summary>
public static class CloseShift
{
    private static readonly JsonSerializerOptions Json = TapRoomJson.CreateOptions();

    public sealed record Command(Guid ShiftId, IReadOnlyList<string>? EquipmentConfirmed, string? Comment) : ICommand<ShiftReportDto>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("shift", ShiftId);
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.EquipmentConfirmed).Must(l => l is null || l.Count <= 100).WithMessage("At most 100 equipment items.");
            RuleForEach(x => x.EquipmentConfirmed).NotEmpty().MaximumLength(200);
            RuleFor(x => x.Comment).MaximumLength(1000);
        }
    }

    public sealed class Handler(
        TapRoomDbContext db, LocationContext location, ShiftReportBuilder reports, CurrentActor actor, AuditTrail audit, TimeProvider time, DomainEvents events)
        : IRequestHandler<Command, ShiftReportDto>
    {
        public async Task<ShiftReportDto> Handle(Command request, CancellationToken cancellationToken)
        {
            var me = await ShiftRules.RequireStaffUserAsync(db, actor.Value, cancellationToken);
            if (!me.HasAtLeast(StaffRole.Manager)) throw new ForbiddenException("Only a manager can close a shift.");
            var shift = await ShiftRules.LoadOpenAsync(db, request.ShiftId, cancellationToken);

            var blockers = await ShiftRules.BlockersAsync(db, shift.LocationId, cancellationToken);
            if (blockers.Count > 0)
                throw new DomainException("shift_has_blockers",
                    $"{blockers.Count} blocker(s) stand: close every active visit and sync or reconcile every pending pour first.", details: blockers);

            var critical = await ShiftRules.CriticalUnacknowledged(db, shift.LocationId).AsNoTracking().OrderBy(a => a.RaisedAt)
                .Select(a => new { a.Id, a.Type, a.Message }).ToListAsync(cancellationToken);
            if (critical.Count > 0)
                throw new DomainException("critical_alerts_unacknowledged",
                    $"{critical.Count} critical alert(s) must be acknowledged before the shift can close.", details: critical);

            var checklist = (await location.GetAsync(cancellationToken)).EquipmentChecklist;
            var confirmed = request.EquipmentConfirmed ?? [];
            var missing = checklist.Except(confirmed, StringComparer.Ordinal).ToList();
            var unknown = confirmed.Except(checklist, StringComparer.Ordinal).ToList();
            if (missing.Count > 0 || unknown.Count > 0)
                throw new DomainException("equipment_not_confirmed",
                    missing.Count > 0 ? $"Confirm every equipment item by name; missing: {string.Join(", ", missing)}."
                        : $"Unknown equipment item(s): {string.Join(", ", unknown)}.", details: new { missing, unknown });

            var now = time.GetUtcNow().UtcDateTime;
            var comment = string.IsNullOrWhiteSpace(request.Comment) ? null : request.Comment.Trim();
            var signedOut = shift.Members.Where(m => m.LeftAt is null).ToList();
            foreach (var m in signedOut) m.LeftAt = now;
            shift.Status = ShiftStatus.Closed;
            shift.ClosedAt = now;
            shift.ClosedBy = me.Name;
            shift.EquipmentConfirmed = [.. checklist];

            var report = await reports.BuildAsync(shift, now, final: true, shift.EquipmentConfirmed, comment, cancellationToken);
            shift.ReportJson = JsonSerializer.Serialize(report, Json);
            audit.Record(AuditActions.ShiftClosed, "shift", shift.Id, new
            {
                comment,
                equipmentConfirmed = shift.EquipmentConfirmed,
                membersSignedOut = signedOut.Select(m => m.StaffUserId).ToList(),
                pours = report.Pours.Count,
                volumeMl = report.Pours.VolumeMl,
                revenue = report.Money.Revenue,
                net = report.Money.Net,
            });
            events.Add(new ShiftChangedNotification(shift.Id));
            return report;
        }
    }
}

/// <summary>The stored report of a closed shift, or a live preview up to now for an open one.</summary>
public static class GetShiftReport
{
    private static readonly JsonSerializerOptions Json = TapRoomJson.CreateOptions();

    public sealed record Query(Guid ShiftId) : IQuery<ShiftReportDto>;

    public sealed class Handler(TapRoomDbContext db, ShiftReportBuilder reports, TimeProvider time) : IRequestHandler<Query, ShiftReportDto>
    {
        public async Task<ShiftReportDto> Handle(Query request, CancellationToken cancellationToken)
        {
            var shift = await db.Shifts.AsNoTracking().Include(s => s.Members).FirstOrDefaultAsync(s => s.Id == request.ShiftId, cancellationToken)
                ?? throw new NotFoundException("Shift", request.ShiftId);
            if (shift.Status == ShiftStatus.Closed && shift.ReportJson is not null)
                return JsonSerializer.Deserialize<ShiftReportDto>(shift.ReportJson, Json)!;
            return await reports.BuildAsync(shift, time.GetUtcNow().UtcDateTime, final: false, [], null, cancellationToken);
        }
    }
}
