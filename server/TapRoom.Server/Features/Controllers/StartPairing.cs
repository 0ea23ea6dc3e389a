using FluentValidation;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Controllers;

/// <summary>
/// A controller with no key asks to join: it gets a 6-digit code to show (valid 10 minutes) and a token to poll with.
/// No sign-in; the route is rate-limited per address and overall (guessing codes is also bounded by adoption being
/// admin-only and rate-limited).
/// </summary>
public static class StartPairing
{
    public sealed record Command(string AgentVersion, string HardwareId, string? RemoteAddress = null) : ICommand<PairingStarted>
    {
        public override string ToString() => $"Command {{ AgentVersion = {AgentVersion}, HardwareId = {HardwareId} }}";
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.AgentVersion).NotEmpty().MaximumLength(64).SingleLine();
            RuleFor(x => x.HardwareId).NotEmpty().MaximumLength(128).SingleLine();
        }
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, TimeProvider time) : MediatR.IRequestHandler<Command, PairingStarted>
    {
        public async Task<PairingStarted> Handle(Command command, CancellationToken ct)
        {
            var now = time.GetUtcNow().UtcDateTime;
            // Forgotten pairings go after a day; the audit keeps what happened to them.
            await db.ControllerPairings.Where(p => p.ExpiresAt < now.AddDays(-1)).ExecuteDeleteAsync(ct);

            var code = ControllerPairing.NewCode();
            for (var tries = 0; await db.ControllerPairings.AnyAsync(p => p.Code == code && p.AdoptedAt == null && p.ExpiresAt > now, ct); tries++)
            {
                if (tries >= 20) throw new DomainException("pairing_busy", "Too many controllers are waiting to pair; try again in a few minutes.", StatusCodes.Status503ServiceUnavailable);
                code = ControllerPairing.NewCode();
            }
            var pollToken = ControllerPairing.NewPollToken();
            var pairing = new ControllerPairing
            {
                Id = Guid.NewGuid(),
                Code = code,
                PollTokenHash = ControllerKeyHandler.Hash(pollToken),
                AgentVersion = command.AgentVersion,
                HardwareId = command.HardwareId,
                RemoteAddress = command.RemoteAddress,
                CreatedAt = now,
                ExpiresAt = now + ControllerPairing.Lifetime,
            };
            db.ControllerPairings.Add(pairing);
            audit.Record(AuditActions.ControllerPairingStarted, "controller_pairing", pairing.Id,
                new { pairing.HardwareId, pairing.AgentVersion, pairing.RemoteAddress, pairing.ExpiresAt });
            return new PairingStarted(pairing.Id, code, pollToken, pairing.ExpiresAt);
        }
    }
}
