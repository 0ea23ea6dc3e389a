using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Pours;

/// <summary>
/// A manager releases a visit's lock by hand (audited) and the tap's controller is told to stop. The pour session
/// stays pending_sync: when the controller's record arrives it is charged once as usual; until then it no longer
/// blocks its tap.
/// </summary>
public static class ForceUnlockVisit
{
    public sealed record Body(string Comment);

    public sealed record Command(Guid VisitId, string Comment) : ICommand<Result>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("visit", VisitId);
    }

    public sealed record Result(Guid VisitId, Guid TapId, Guid? PourSessionId);

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(x => x.Comment).NotEmpty().MaximumLength(500);
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, DomainEvents events) : IRequestHandler<Command, Result>
    {
        public async Task<Result> Handle(Command command, CancellationToken ct)
        {
            var visit = await Visits.VisitLoader.LoadForChangeAsync(db, command.VisitId, ct);
            if (visit.ActiveTapId is not { } tapId) throw new DomainException("visit_not_locked", "This visit is not pouring on any tap.");
            var sessionId = visit.ActivePourSessionId;
            var lockSetAt = visit.LockSetAt;
            VisitLock.Release(visit);
            audit.Record(AuditActions.VisitForceUnlocked, "visit", visit.Id, new { tapId, pourSessionId = sessionId, lockSetAt, command.Comment });

            await PourSettlement.ReturnTapIfClearAsync(db, audit, events, tapId, sessionId, ct);
            if (sessionId is { } sid) events.Add(new StopPourRequestedNotification(tapId, sid, "force_unlock"));
            events.Add(new VisitChangedNotification(visit.Id));
            events.Add(new TapChangedNotification(tapId));
            events.Add(new SyncQueueChangedNotification());
            return new Result(visit.Id, tapId, sessionId);
        }
    }
}
