using FluentValidation;
using MediatR;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Visits;

/// <summary>Staff raise a visit's volume limit above the policy default; always with a comment, always audited.</summary>
public static class RaiseVisitLimit
{
    /// <summary>No visit needs more than this; a larger number is a typing error.</summary>
    public const int MaxVolumeLimitMl = 20_000;

    public sealed record Command(Guid VisitId, int VolumeLimitMl, string Comment) : ICommand<Contracts.VisitSummaryDto>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("visit", VisitId);
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.VolumeLimitMl).GreaterThan(0).LessThanOrEqualTo(MaxVolumeLimitMl);
            RuleFor(x => x.Comment).Must(c => !string.IsNullOrWhiteSpace(c)).WithMessage("A comment is required.").MaximumLength(500);
        }
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, DomainEvents events)
        : IRequestHandler<Command, Contracts.VisitSummaryDto>
    {
        public async Task<Contracts.VisitSummaryDto> Handle(Command request, CancellationToken cancellationToken)
        {
            var visit = await VisitLoader.LoadForChangeAsync(db, request.VisitId, cancellationToken);
            visit.EnsureActive();
            if (request.VolumeLimitMl <= visit.VolumeLimitMl)
                throw new DomainException("limit_not_higher",
                    $"The new limit must be higher than the current {visit.VolumeLimitMl} ml.", details: new { current = visit.VolumeLimitMl });
            var from = visit.VolumeLimitMl;
            visit.VolumeLimitMl = request.VolumeLimitMl;
            audit.Record(AuditActions.VisitLimitRaised, "visit", visit.Id, new { from, to = request.VolumeLimitMl, comment = request.Comment.Trim() });
            events.Add(new VisitChangedNotification(visit.Id));
            return new Contracts.VisitSummaryDto(visit.Id, visit.GuestId, visit.Guest!.Name, visit.CardId, visit.Card?.Uid, visit.Status, visit.IsMinor,
                visit.Balance, visit.PouredVolumeMl, visit.VolumeLimitMl, visit.ActiveTapId, visit.LockSetAt, visit.OpenedAt, visit.ClosedAt, visit.LocationId);
        }
    }
}
