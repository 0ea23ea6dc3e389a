using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Alerts;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Pours;

/// <summary>The desk reader: a card put on or taken off a controller's reader, pushed to staff (nothing is stored).</summary>
public static class ReportCardReader
{
    public sealed record Presented(CardPresentedMessage Message, Guid? ControllerId = null) : IRequest<bool>;

    public sealed record Removed(CardRemovedMessage Message, Guid? ControllerId = null) : IRequest<bool>;

    public sealed class Handler(IMediator mediator) : IRequestHandler<Presented, bool>, IRequestHandler<Removed, bool>
    {
        public async Task<bool> Handle(Presented request, CancellationToken ct)
        {
            var m = request.Message;
            if (m is null || string.IsNullOrWhiteSpace(m.ReaderId) || m.ReaderId.Length > 100 || !CardUid.TryNormalize(m.CardUid, out var uid))
                throw new DomainException("invalid_card_read", "A card read needs a reader id and a card UID of 4, 7 or 10 bytes of hex.", StatusCodes.Status400BadRequest);
            await mediator.Publish(new CardReadNotification(m with { CardUid = uid }, request.ControllerId), ct);
            return true;
        }

        public async Task<bool> Handle(Removed request, CancellationToken ct)
        {
            var m = request.Message;
            if (m is null || string.IsNullOrWhiteSpace(m.ReaderId) || m.ReaderId.Length > 100)
                throw new DomainException("invalid_card_read", "A card removal needs a reader id.", StatusCodes.Status400BadRequest);
            await mediator.Publish(new CardRemovedNotification(m, request.ControllerId), ct);
            return true;
        }
    }
}

/// <summary>
/// The meter counted while the valve was closed: a leak or a stuck valve. Critical alert on the tap, audited, and the
/// volume taken off the tap's connected keg as its leak part (the beer left the keg).
/// </summary>
public static class ReportFlowWithoutPour
{
    public sealed record Command(Guid ControllerId, FlowWithoutPourMessage Message) : ICommand<Done>, IControllerRequest;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.Message).NotNull();
            When(x => x.Message is not null, () =>
            {
                RuleFor(x => x.Message.TapId).NotEmpty();
                RuleFor(x => x.Message.VolumeMl).InclusiveBetween(0, CompletePour.AbsurdVolumeMl);
            });
        }
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, AlertRaiser alerts, DomainEvents events) : IRequestHandler<Command, Done>
    {
        public async Task<Done> Handle(Command command, CancellationToken ct)
        {
            var m = command.Message;
            await PourGuards.EnsureControllerActiveAsync(db, command.ControllerId, ct);
            var tap = await db.Taps.AsNoTracking().FirstOrDefaultAsync(t => t.Id == m.TapId, ct);
            if (tap is null || tap.ControllerId != command.ControllerId)
                throw new DomainException("tap_not_assigned", "This controller is not assigned to that tap.", StatusCodes.Status403Forbidden);
            var leakedMl = 0;
            if (tap.KegId is { } kegId)
            {
                leakedMl = await Kegs.KegVolume.DrainAsync(db, kegId, m.VolumeMl, KegPart.Leak, ct);
                if (leakedMl > 0) events.Add(new KegChangedNotification(kegId));
            }
            audit.Record(AuditActions.TapFlowWithoutPour, "tap", tap.Id, new { m.VolumeMl, m.At, kegId = tap.KegId, leakedMl });
            await alerts.RaiseAsync(AlertTypes.FlowWithoutPour, AlertSeverity.Critical, "tap", tap.Id,
                $"{tap.Name}: the meter counted {m.VolumeMl} ml while the valve was closed (leak or stuck valve?).", ct);
            return Done.Value;
        }
    }
}
