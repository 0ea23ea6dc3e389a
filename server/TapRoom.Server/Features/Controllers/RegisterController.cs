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
    public sealed record Command(string Name, IReadOnlyList<Guid>? TapIds, Guid? LocationId = null) : ICommand<Result>;

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

    public sealed class Handler(TapRoomDbContext db, VenueAccess access, AuditTrail audit, TimeProvider time, DomainEvents events)
        : IRequestHandler<Command, Result>
    {
        public async Task<Result> Handle(Command request, CancellationToken cancellationToken)
        {
            var key = NewApiKey();
            var controller = await CreateAsync(db, await VenueForAsync(db, access, request.LocationId, request.TapIds, cancellationToken), request.Name, request.TapIds, key, time, events, cancellationToken);
            var tapIds = controller.Taps.Select(t => t.Id).ToList();
            audit.Record("controller.registered", "controller", controller.Id, new { controller.Name, tapIds, keyPrefix = controller.ApiKeyPrefix });
            return new Result(controller.Id, controller.Name, key, tapIds);
        }
    }

    /// <summary>A new controller with <paramref name="apiKey"/> (only its hash kept) driving <paramref name="tapIds"/>; also how an adopted one is made.</summary>
    /// <summary>The controller's venue: the one named, else the venue of the taps it is given, else the user's only venue.</summary>
    internal static async Task<Guid> VenueForAsync(TapRoomDbContext db, VenueAccess access, Guid? locationId, IReadOnlyList<Guid>? tapIds, CancellationToken ct)
    {
        if (locationId is null && tapIds is [var first, ..])
            locationId = await db.Taps.AsNoTracking().Where(t => t.Id == first).Select(t => (Guid?)t.LocationId).FirstOrDefaultAsync(ct)
                ?? throw new NotFoundException("Tap", first);
        return await access.ChooseAsync(locationId, ct);
    }

    internal static async Task<Controller> CreateAsync(TapRoomDbContext db, Guid locationId, string name, IReadOnlyList<Guid>? tapIds, string apiKey,
        TimeProvider time, DomainEvents events, CancellationToken ct)
    {
        var ids = (tapIds ?? []).Distinct().ToList();
        // A controller serves taps of its own venue only: another venue's tap is not found here.
        var taps = await db.Taps.Where(t => ids.Contains(t.Id) && t.LocationId == locationId).ToListAsync(ct);
        var missing = ids.Except(taps.Select(t => t.Id)).ToList();
        if (missing.Count > 0) throw new NotFoundException("Tap", missing[0]);

        var controller = new Controller
        {
            Id = Guid.NewGuid(),
            LocationId = locationId,
            Name = name,
            ApiKeyHash = ControllerKeyHandler.Hash(apiKey),
            ApiKeyPrefix = apiKey[..8],
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.Controllers.Add(controller);
        foreach (var tap in taps.OrderBy(t => ids.IndexOf(t.Id)))
        {
            tap.ControllerId = controller.Id;
            controller.Taps.Add(tap);
            events.Add(new TapChangedNotification(tap.Id));
        }
        events.Add(new ControllerStatusChangedNotification(controller.Id));
        return controller;
    }
}
