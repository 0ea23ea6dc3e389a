using FluentValidation;
using Microsoft.EntityFrameworkCore;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Controllers;

/// <summary>
/// An admin adopts the controller showing <c>Code</c>: names it and gives it taps. The controller is made here with a
/// placeholder key nobody knows; its own key is made on its next poll (<see cref="PollPairing"/>) and goes only to it.
/// </summary>
public static class AdoptController
{
    public sealed record Command(string Code, string Name, IReadOnlyList<Guid>? TapIds, Guid? LocationId = null) : ICommand<Result>;

    public sealed record Result(Guid Id, string Name, IReadOnlyList<Guid> TapIds, string HardwareId, string AgentVersion);

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.Code).NotEmpty().Matches("^[0-9]{6}$").WithMessage("The code is the 6 digits the controller shows.");
            RuleFor(x => x.Name).NotEmpty().MaximumLength(100).SingleLine();
            RuleFor(x => x.TapIds).Must(t => t is null || t.Count <= 64).WithMessage("At most 64 taps per controller.");
        }
    }

    public sealed class Handler(TapRoomDbContext db, VenueAccess access, AuditTrail audit, TimeProvider time, DomainEvents events)
        : MediatR.IRequestHandler<Command, Result>
    {
        public async Task<Result> Handle(Command command, CancellationToken ct)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var pairing = await db.ControllerPairings.Where(p => p.Code == command.Code && p.AdoptedAt == null && p.ExpiresAt > now)
                .OrderByDescending(p => p.CreatedAt).FirstOrDefaultAsync(ct);
            if (pairing is null)
                throw new DomainException("pairing_code_unknown", "No controller is waiting with this code (codes expire after 10 minutes).", StatusCodes.Status404NotFound);

            var controller = await RegisterController.CreateAsync(db, await RegisterController.VenueForAsync(db, access, command.LocationId, command.TapIds, ct), command.Name, command.TapIds,
                RegisterController.NewApiKey(), time, events, ct);
            controller.AgentVersion = pairing.AgentVersion;
            pairing.Adopt(controller.Id, now);
            var tapIds = controller.Taps.Select(t => t.Id).ToList();
            audit.Record(AuditActions.ControllerAdopted, "controller", controller.Id,
                new { controller.Name, tapIds, pairingId = pairing.Id, pairing.HardwareId, pairing.AgentVersion, pairing.RemoteAddress });
            return new Result(controller.Id, controller.Name, tapIds, pairing.HardwareId, pairing.AgentVersion);
        }
    }
}
