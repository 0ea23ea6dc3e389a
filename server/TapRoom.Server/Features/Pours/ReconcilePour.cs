using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Pours;

/// <summary>
/// A manager enters the volume of a pour whose controller never reported it (typically after a lock timeout). The
/// session is claimed pending_sync → reconciled (<see cref="PourLifecycle.ReconcileAsync"/>), charged once at the price snapshotted at
/// authorisation, drained from its keg, and the visit's lock released. The controller's own record, if it ever
/// arrives, is matched against this volume (see <see cref="CompletePour"/>).
/// </summary>
public static class ReconcilePour
{
    public sealed record Body(Guid PourSessionId, int VolumeMl, string Comment);

    public sealed record Command(Guid VisitId, Guid PourSessionId, int VolumeMl, string Comment) : ICommand<Result>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("pour_session", PourSessionId);
    }

    public sealed record Result(Guid PourSessionId, Guid VisitId, int VolumeMl, int ChargedVolumeMl, decimal ChargedAmount, decimal Balance);

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.PourSessionId).NotEmpty();
            RuleFor(x => x.VolumeMl).InclusiveBetween(0, CompletePour.AbsurdVolumeMl);
            RuleFor(x => x.Comment).NotEmpty().MaximumLength(500);
        }
    }

    public sealed class Handler(TapRoomDbContext db, PourSettlement settlement, AuditTrail audit, CurrentActor actor, DomainEvents events, OpenPours openPours, TimeProvider time)
        : IRequestHandler<Command, Result>
    {
        public async Task<Result> Handle(Command command, CancellationToken ct)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var exists = await db.PourSessions.AsNoTracking().AnyAsync(p => p.Id == command.PourSessionId && p.VisitId == command.VisitId, ct);
            if (!exists) throw new NotFoundException("Pour session of this visit", command.PourSessionId);

            // The last volume the controller reported may not be written yet (OpenPours writes it in the background).
            var lastProgressMl = openPours.Find(command.PourSessionId)?.LastProgressMl ?? 0;
            if (!await PourLifecycle.ReconcileAsync(db, command.PourSessionId, actor.Value.Name, command.Comment, lastProgressMl, now, ct))
                throw new DomainException("pour_not_pending", "This pour is already synced or reconciled.");

            var session = await db.PourSessions.FirstAsync(p => p.Id == command.PourSessionId, ct);
            openPours.Remove(session.Id);
            var settled = await settlement.SettleAsync(session, command.VolumeMl, ct);
            await PourSettlement.ReturnTapIfClearAsync(db, audit, events, session.TapId, session.Id, ct);
            audit.Record(AuditActions.PourReconciled, "pour_session", session.Id, new
            {
                session.VisitId, session.TapId, command.VolumeMl, settled.ChargedVolumeMl, settled.ChargedAmount, settled.DrainedMl,
                session.MaxVolumeMl, command.Comment, lastProgressMl = session.LastProgressMl,
            });
            // In case the controller is still pouring (a stuck link rather than a dead one).
            events.Add(new StopPourRequestedNotification(session.TapId, session.Id, "reconciled"));
            return new Result(session.Id, session.VisitId, command.VolumeMl, settled.ChargedVolumeMl, settled.ChargedAmount, settled.Balance);
        }
    }
}
