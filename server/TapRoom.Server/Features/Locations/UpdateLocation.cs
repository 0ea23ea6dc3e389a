using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Locations;

/// <summary>
/// A manager of the venue changes its name, currency, time zone or policies (<c>PUT /api/locations/{id}</c>). A field left
/// out keeps its value; every change is audited with from and to. The venue check is the route's (<see cref="VenueOf"/>).
/// </summary>
public static class UpdateLocation
{
    /// <summary>Every policy, each optional.</summary>
    public sealed record PoliciesPatch(
        int? LockTimeoutSeconds = null, int? FlowIdleTimeoutMs = null, int? PerPourCapMl = null, int? VisitVolumeLimitMl = null,
        int? MinimumBalanceVolumeMl = null, int? MinimumChargedPourMl = null, int? LateSyncToleranceMl = null, int? LateSyncTolerancePercent = null,
        int? LegalAge = null, bool? PouringRequiresOpenShift = null, int? KegWarningPercent = null, int? KegCriticalPercent = null,
        int? ControllerHeartbeatTimeoutSeconds = null, bool? DeskMoneyWithoutOpenShift = null, int? ReorderLeadDays = null);

    public sealed record Body(string? Name, string? Currency, string? TimeZone, PoliciesPatch? Policies);

    public sealed record Command(Guid LocationId, string? Name, string? Currency, string? TimeZone, PoliciesPatch? Policies) : ICommand<LocationDto>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("location", LocationId);
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.Name).NotEmpty().MaximumLength(200).SingleLine().When(x => x.Name is not null);
            RuleFor(x => x.Currency).Matches("^[A-Z]{3}$").WithMessage("A currency is an ISO 4217 code (EUR).").When(x => x.Currency is not null);
            RuleFor(x => x.TimeZone).Must(z => TimeZoneInfo.TryFindSystemTimeZoneById(z ?? "", out _))
                .WithMessage("Name a time zone this server knows (Europe/Berlin).").When(x => x.TimeZone is not null);
            When(x => x.Policies is not null, () =>
            {
                RuleFor(x => x.Policies!.LockTimeoutSeconds).InclusiveBetween(10, 3600);
                RuleFor(x => x.Policies!.FlowIdleTimeoutMs).InclusiveBetween(1000, 120_000);
                RuleFor(x => x.Policies!.PerPourCapMl).InclusiveBetween(10, 5000);
                RuleFor(x => x.Policies!.VisitVolumeLimitMl).InclusiveBetween(10, 50_000);
                RuleFor(x => x.Policies!.MinimumBalanceVolumeMl).InclusiveBetween(0, 5000);
                RuleFor(x => x.Policies!.MinimumChargedPourMl).InclusiveBetween(0, 1000);
                RuleFor(x => x.Policies!.LateSyncToleranceMl).InclusiveBetween(0, 1000);
                RuleFor(x => x.Policies!.LateSyncTolerancePercent).InclusiveBetween(0, 100);
                RuleFor(x => x.Policies!.LegalAge).InclusiveBetween(0, 99);
                RuleFor(x => x.Policies!.KegWarningPercent).InclusiveBetween(0, 100);
                RuleFor(x => x.Policies!.KegCriticalPercent).InclusiveBetween(0, 100);
                RuleFor(x => x.Policies!.ControllerHeartbeatTimeoutSeconds).InclusiveBetween(5, 3600);
                RuleFor(x => x.Policies!.ReorderLeadDays).InclusiveBetween(0, 90);
            });
        }
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, DomainEvents events) : IRequestHandler<Command, LocationDto>
    {
        public async Task<LocationDto> Handle(Command request, CancellationToken ct)
        {
            var l = await db.Locations.FirstOrDefaultAsync(x => x.Id == request.LocationId, ct) ?? throw new NotFoundException("Location", request.LocationId);
            var changes = new Dictionary<string, object?>();
            void Set<T>(string name, T? to, Func<T> get, Action<T> set) where T : struct
            {
                if (to is not { } value || EqualityComparer<T>.Default.Equals(get(), value)) return;
                changes[name] = new { from = get(), to = value };
                set(value);
            }
            void SetText(string name, string? to, Func<string> get, Action<string> set)
            {
                if (to is null || get() == to.Trim()) return;
                changes[name] = new { from = get(), to = to.Trim() };
                set(to.Trim());
            }
            SetText("name", request.Name, () => l.Name, v => l.Name = v);
            SetText("currency", request.Currency, () => l.Currency, v => l.Currency = v);
            SetText("timeZone", request.TimeZone, () => l.TimeZone, v => l.TimeZone = v);
            if (request.Policies is { } p)
            {
                var q = l.Policies;
                Set("lockTimeoutSeconds", p.LockTimeoutSeconds, () => q.LockTimeoutSeconds, v => q.LockTimeoutSeconds = v);
                Set("flowIdleTimeoutMs", p.FlowIdleTimeoutMs, () => q.FlowIdleTimeoutMs, v => q.FlowIdleTimeoutMs = v);
                Set("perPourCapMl", p.PerPourCapMl, () => q.PerPourCapMl, v => q.PerPourCapMl = v);
                Set("visitVolumeLimitMl", p.VisitVolumeLimitMl, () => q.VisitVolumeLimitMl, v => q.VisitVolumeLimitMl = v);
                Set("minimumBalanceVolumeMl", p.MinimumBalanceVolumeMl, () => q.MinimumBalanceVolumeMl, v => q.MinimumBalanceVolumeMl = v);
                Set("minimumChargedPourMl", p.MinimumChargedPourMl, () => q.MinimumChargedPourMl, v => q.MinimumChargedPourMl = v);
                Set("lateSyncToleranceMl", p.LateSyncToleranceMl, () => q.LateSyncToleranceMl, v => q.LateSyncToleranceMl = v);
                Set("lateSyncTolerancePercent", p.LateSyncTolerancePercent, () => q.LateSyncTolerancePercent, v => q.LateSyncTolerancePercent = v);
                Set("legalAge", p.LegalAge, () => q.LegalAge, v => q.LegalAge = v);
                Set("pouringRequiresOpenShift", p.PouringRequiresOpenShift, () => q.PouringRequiresOpenShift, v => q.PouringRequiresOpenShift = v);
                Set("kegWarningPercent", p.KegWarningPercent, () => q.KegWarningPercent, v => q.KegWarningPercent = v);
                Set("kegCriticalPercent", p.KegCriticalPercent, () => q.KegCriticalPercent, v => q.KegCriticalPercent = v);
                Set("controllerHeartbeatTimeoutSeconds", p.ControllerHeartbeatTimeoutSeconds, () => q.ControllerHeartbeatTimeoutSeconds, v => q.ControllerHeartbeatTimeoutSeconds = v);
                Set("deskMoneyWithoutOpenShift", p.DeskMoneyWithoutOpenShift, () => q.DeskMoneyWithoutOpenShift, v => q.DeskMoneyWithoutOpenShift = v);
                Set("reorderLeadDays", p.ReorderLeadDays, () => q.ReorderLeadDays, v => q.ReorderLeadDays = v);
                if (q.KegCriticalPercent > q.KegWarningPercent)
                    throw new DomainException("invalid_policies", "The critical keg level cannot be above the warning level.", StatusCodes.Status400BadRequest);
            }
            if (changes.Count > 0)
            {
                audit.Record(AuditActions.LocationPoliciesChanged, "location", l.Id, changes);
                // The controllers of the venue get the new caps and timeouts with ConfigChanged.
                foreach (var controller in await db.Controllers.AsNoTracking().Where(c => c.LocationId == l.Id && c.RevokedAt == null).Select(c => c.Id).ToListAsync(ct))
                    events.Add(new ControllerConfigChangedNotification(controller));
            }
            return GetLocation.ToDto(l);
        }
    }
}
