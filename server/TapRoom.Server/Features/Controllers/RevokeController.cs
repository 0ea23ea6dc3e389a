using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Controllers;

/// <summary>
/// An admin revokes a controller's key: it is refused at its next connect, and its open connections are aborted once
/// the revocation is committed. Its taps stay assigned to it (register a new controller to move them).
/// </summary>
public static class RevokeController
{
    public sealed record Command(Guid ControllerId) : ICommand<Result>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("controller", ControllerId);
    }

    public sealed record Result(Guid Id, DateTime RevokedAt);

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, DomainEvents events, TimeProvider time) : IRequestHandler<Command, Result>
    {
        public async Task<Result> Handle(Command command, CancellationToken ct)
        {
            var controller = await db.Controllers.FirstOrDefaultAsync(c => c.Id == command.ControllerId, ct)
                ?? throw new NotFoundException("Controller", command.ControllerId);
            if (controller.RevokedAt is { } already) return new Result(controller.Id, already);
            controller.RevokedAt = time.GetUtcNow().UtcDateTime;
            controller.IsOnline = false;
            audit.Record(AuditActions.ControllerRevoked, "controller", controller.Id, new { controller.Name, keyPrefix = controller.ApiKeyPrefix });
            events.Add(new ControllerRevokedNotification(controller.Id));
            events.Add(new ControllerStatusChangedNotification(controller.Id));
            return new Result(controller.Id, controller.RevokedAt.Value);
        }
    }
}

public sealed record ControllerRevokedNotification(Guid ControllerId) : INotification;
