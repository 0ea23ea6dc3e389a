using FluentValidation;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Controllers;

/// <summary>
/// The waiting controller asks how its pairing stands. The first poll after adoption makes the controller's key and
/// returns it; the key's hash replaces the placeholder the adoption stored, so the key exists nowhere but in this one
/// answer. Later polls say <c>adopted</c> with no key. A wrong token is a 404, as an unknown pairing.
/// </summary>
public static class PollPairing
{
    public sealed record Command(Guid PairingId, string PollToken) : ICommand<PairingPollResult>
    {
        public override string ToString() => $"Command {{ PairingId = {PairingId} }}";
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(x => x.PollToken).NotEmpty().MaximumLength(200);
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, TimeProvider time) : MediatR.IRequestHandler<Command, PairingPollResult>
    {
        public async Task<PairingPollResult> Handle(Command command, CancellationToken ct)
        {
            var hash = ControllerKeyHandler.Hash(command.PollToken);
            var pairing = await db.ControllerPairings.FirstOrDefaultAsync(p => p.Id == command.PairingId && p.PollTokenHash == hash, ct)
                ?? throw new NotFoundException("Pairing", command.PairingId);
            var now = time.GetUtcNow().UtcDateTime;
            if (pairing.AdoptedAt is null) return new PairingPollResult(now < pairing.ExpiresAt ? PairingStatus.Waiting : PairingStatus.Expired);
            if (pairing.KeyDeliveredAt is not null || pairing.ControllerId is not { } controllerId) return new PairingPollResult(PairingStatus.Adopted);

            // Exactly once even when two polls race: only the one whose conditional update took the pairing hands out a key.
            var taken = await db.ControllerPairings.Where(p => p.Id == pairing.Id && p.KeyDeliveredAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.KeyDeliveredAt, now), ct);
            if (taken == 0) return new PairingPollResult(PairingStatus.Adopted);

            var key = RegisterController.NewApiKey();
            var controller = await db.Controllers.FirstAsync(c => c.Id == controllerId, ct);
            controller.ApiKeyHash = ControllerKeyHandler.Hash(key);
            controller.ApiKeyPrefix = key[..8];
            audit.Record(AuditActions.ControllerKeyDelivered, "controller", controller.Id, new { pairingId = pairing.Id, keyPrefix = controller.ApiKeyPrefix });
            return new PairingPollResult(PairingStatus.Adopted, key);
        }
    }
}
