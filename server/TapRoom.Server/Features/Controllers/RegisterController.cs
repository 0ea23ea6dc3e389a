using System.Security.Cryptography;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Controllers;

/// <summary>An admin registers a controller for some taps; the API key is returned once and only its hash is stored.</summary>
public static class RegisterController
{
    public sealed record Command(string Name, IReadOnlyList<Guid>? TapIds) : ICommand<Result>;

    public sealed record Result(Guid Id, string Name, string ApiKey, IReadOnlyList<Guid> TapIds)
    {
        public override string ToString() => $"Result {{ Id = {Id}, Name = {Name} }}";
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.Name).NotEmpty().MaximumLength(100).SingleLine();
            RuleFor(x => x.TapIds).Must(t => t is null || t.Count <= 64).WithMessage("At most 64 taps per controller.");
        }
    }

    public static string NewApiKey() => "trk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    public sealed class Handler(TapRoomDbContext db, LocationContext location, AuditTrail audit, TimeProvider time, DomainEvents events)
        : IRequestHandler<Command, Result>
    {
        public async Task<Result> Handle(Command request, CancellationToken cancellationToken)
        {
            var tapIds = (request.TapIds ?? []).Distinct().ToList();
            var taps = await db.Taps.Where(t => tapIds.Contains(t.Id)).ToListAsync(cancellationToken);
            var missing = tapIds.Except(taps.Select(t => t.Id)).ToList();
            if (missing.Count > 0) throw new NotFoundException("Tap", missing[0]);

            var key = NewApiKey();
            var controller = new Controller
            {
                Id = Guid.NewGuid(),
                LocationId = (await location.GetAsync(cancellationToken)).Id,
                Name = request.Name,
                ApiKeyHash = ControllerKeyHandler.Hash(key),
                ApiKeyPrefix = key[..8],
                CreatedAt = time.GetUtcNow().UtcDateTime,
            };
            db.Controllers.Add(controller);
            foreach (var tap in taps)
            {
                tap.ControllerId = controller.Id;
                events.Add(new TapChangedNotification(tap.Id));
            }
            audit.Record("controller.registered", "controller", controller.Id, new { controller.Name, tapIds, keyPrefix = controller.ApiKeyPrefix });
            events.Add(new ControllerStatusChangedNotification(controller.Id));
            return new Result(controller.Id, controller.Name, key, tapIds);
        }
    }
}
