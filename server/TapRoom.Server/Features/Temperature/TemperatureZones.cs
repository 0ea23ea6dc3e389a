using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Temperature;

/// <summary>A venue's temperature zones: staff read them, managers create and edit them (CONTRACT.md "Temperature").</summary>
public static class TemperatureZones
{
    public const int MaxNameLength = 60;
    // Names are unique per venue regardless of case: controllers name zones case-insensitively.

    /// <summary>
    /// The venue a zone route names, or 404. Today every signed-in user may see every venue; venue membership
    /// (issue 25) narrows it here, the one place these routes ask.
    /// </summary>
    public static async Task<Location> VenueAsync(TapRoomDbContext db, Guid locationId, CancellationToken ct) =>
        await db.Locations.AsNoTracking().FirstOrDefaultAsync(l => l.Id == locationId, ct) ?? throw new NotFoundException("Location", locationId);

    public static TemperatureZoneDto ToDto(TemperatureZone z) => new(z.Id, z.LocationId, z.Name, z.MinC, z.MaxC, z.AlertAfterMinutes);

    /// <summary>The range a zone gets when a controller first reports it (a manager sets the real one).</summary>
    public static (double MinC, double MaxC) DefaultRange(string name) => name.Trim().ToLowerInvariant() switch
    {
        "cooler" or "keg cooler" or "coldroom" or "cold room" => (1, 5),
        "tower" or "python" or "lines" => (1, 7),
        "room" => (12, 28),
        _ => (0, 30),
    };

    public const int DefaultAlertAfterMinutes = 10;

    public sealed record Body(string Name, double MinC, double MaxC, int AlertAfterMinutes);

    internal static void Rules<T>(AbstractValidator<T> v, Func<T, string> name, Func<T, double> min, Func<T, double> max, Func<T, int> after)
    {
        v.RuleFor(x => name(x)).NotEmpty().MaximumLength(MaxNameLength).SingleLine().OverridePropertyName("name");
        v.RuleFor(x => min(x)).Must(c => double.IsFinite(c) && c >= TemperatureReadingRules.MinCelsius && c <= TemperatureReadingRules.MaxCelsius)
            .OverridePropertyName("minC").WithMessage("'minC' is a temperature between −40 and 125 °C.");
        v.RuleFor(x => max(x)).Must(c => double.IsFinite(c) && c >= TemperatureReadingRules.MinCelsius && c <= TemperatureReadingRules.MaxCelsius)
            .OverridePropertyName("maxC").WithMessage("'maxC' is a temperature between −40 and 125 °C.");
        v.RuleFor(x => x).Must(x => max(x) - min(x) >= 1).OverridePropertyName("maxC").WithMessage("'maxC' is at least 1 °C above 'minC'.");
        v.RuleFor(x => after(x)).InclusiveBetween(0, 24 * 60).OverridePropertyName("alertAfterMinutes");
    }

    public sealed record ListQuery(Guid LocationId) : IQuery<IReadOnlyList<TemperatureZoneDto>>;

    public sealed class ListHandler(TapRoomDbContext db) : IRequestHandler<ListQuery, IReadOnlyList<TemperatureZoneDto>>
    {
        public async Task<IReadOnlyList<TemperatureZoneDto>> Handle(ListQuery request, CancellationToken ct)
        {
            await VenueAsync(db, request.LocationId, ct);
            var zones = await db.TemperatureZones.AsNoTracking().Where(z => z.LocationId == request.LocationId).OrderBy(z => z.Name).ToListAsync(ct);
            return zones.Select(ToDto).ToList();
        }
    }

    public sealed record Create(Guid LocationId, string Name, double MinC, double MaxC, int AlertAfterMinutes) : ICommand<TemperatureZoneDto>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("location", LocationId);
    }

    public sealed class CreateValidator : AbstractValidator<Create>
    {
        public CreateValidator() => Rules(this, x => x.Name, x => x.MinC, x => x.MaxC, x => x.AlertAfterMinutes);
    }

    public sealed class CreateHandler(TapRoomDbContext db, AuditTrail audit, TimeProvider time) : IRequestHandler<Create, TemperatureZoneDto>
    {
        public async Task<TemperatureZoneDto> Handle(Create request, CancellationToken ct)
        {
            await VenueAsync(db, request.LocationId, ct);
            var name = request.Name.Trim();
            if (await db.TemperatureZones.AnyAsync(z => z.LocationId == request.LocationId && z.Name.ToLower() == name.ToLower(), ct))
                throw new DomainException("zone_name_taken", $"The venue has a zone named '{name}' already.");
            var zone = new TemperatureZone
            {
                Id = Guid.NewGuid(), LocationId = request.LocationId, Name = name, MinC = request.MinC, MaxC = request.MaxC,
                AlertAfterMinutes = request.AlertAfterMinutes, CreatedAt = time.GetUtcNow().UtcDateTime,
            };
            db.TemperatureZones.Add(zone);
            audit.Record(AuditActions.TemperatureZoneCreated, "temperature_zone", zone.Id, new { zone.LocationId, zone.Name, zone.MinC, zone.MaxC, zone.AlertAfterMinutes });
            return ToDto(zone);
        }
    }

    public sealed record Update(Guid ZoneId, string Name, double MinC, double MaxC, int AlertAfterMinutes) : ICommand<TemperatureZoneDto>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("temperature_zone", ZoneId);
    }

    public sealed class UpdateValidator : AbstractValidator<Update>
    {
        public UpdateValidator() => Rules(this, x => x.Name, x => x.MinC, x => x.MaxC, x => x.AlertAfterMinutes);
    }

    public sealed class UpdateHandler(TapRoomDbContext db, AuditTrail audit) : IRequestHandler<Update, TemperatureZoneDto>
    {
        public async Task<TemperatureZoneDto> Handle(Update request, CancellationToken ct)
        {
            var zone = await db.TemperatureZones.FirstOrDefaultAsync(z => z.Id == request.ZoneId, ct) ?? throw new NotFoundException("Temperature zone", request.ZoneId);
            await VenueAsync(db, zone.LocationId, ct);
            var name = request.Name.Trim();
            if (await db.TemperatureZones.AnyAsync(z => z.LocationId == zone.LocationId && z.Name.ToLower() == name.ToLower() && z.Id != zone.Id, ct))
                throw new DomainException("zone_name_taken", $"The venue has a zone named '{name}' already.");
            var from = new { zone.Name, zone.MinC, zone.MaxC, zone.AlertAfterMinutes };
            (zone.Name, zone.MinC, zone.MaxC, zone.AlertAfterMinutes) = (name, request.MinC, request.MaxC, request.AlertAfterMinutes);
            audit.Record(AuditActions.TemperatureZoneChanged, "temperature_zone", zone.Id, new { from, to = new { zone.Name, zone.MinC, zone.MaxC, zone.AlertAfterMinutes } });
            return ToDto(zone);
        }
    }

    public sealed record ReadingsQuery(Guid ZoneId, DateTime? From, DateTime? To) : IQuery<IReadOnlyList<TemperaturePointDto>>;

    public sealed class ReadingsValidator : AbstractValidator<ReadingsQuery>
    {
        public ReadingsValidator()
        {
            RuleFor(x => x.ZoneId).NotEmpty();
            RuleFor(x => x).Must(x => x.From is null || x.To is null || x.From <= x.To).OverridePropertyName("from").WithMessage("'from' is before 'to'.");
            RuleFor(x => x).Must(x => x.From is null || x.To is null || x.To - x.From <= TimeSpan.FromDays(31))
                .OverridePropertyName("to").WithMessage("Ask for at most 31 days at once.");
        }
    }

    public sealed class ReadingsHandler(TapRoomDbContext db, TimeProvider time) : IRequestHandler<ReadingsQuery, IReadOnlyList<TemperaturePointDto>>
    {
        public async Task<IReadOnlyList<TemperaturePointDto>> Handle(ReadingsQuery request, CancellationToken ct)
        {
            var zone = await db.TemperatureZones.AsNoTracking().FirstOrDefaultAsync(z => z.Id == request.ZoneId, ct)
                ?? throw new NotFoundException("Temperature zone", request.ZoneId);
            await VenueAsync(db, zone.LocationId, ct);
            var to = request.To ?? time.GetUtcNow().UtcDateTime;
            var from = request.From ?? to.AddHours(-24);
            var points = await db.TemperatureReadings.AsNoTracking()
                .Where(r => r.ZoneId == zone.Id && r.At >= from && r.At <= to)
                .OrderBy(r => r.At).ThenBy(r => r.Id)
                .Select(r => new { r.At, r.Celsius }).Take(20_000).ToListAsync(ct);
            return points.Select(p => new TemperaturePointDto(p.At, Math.Round(p.Celsius, 2))).ToList();
        }
    }

    public sealed record NowQuery(Guid LocationId) : IQuery<IReadOnlyList<TemperatureNowDto>>;

    public sealed class NowHandler(TapRoomDbContext db) : IRequestHandler<NowQuery, IReadOnlyList<TemperatureNowDto>>
    {
        public async Task<IReadOnlyList<TemperatureNowDto>> Handle(NowQuery request, CancellationToken ct)
        {
            await VenueAsync(db, request.LocationId, ct);
            var zones = await db.TemperatureZones.AsNoTracking().Where(z => z.LocationId == request.LocationId).OrderBy(z => z.Name).ToListAsync(ct);
            return zones.Select(z => new TemperatureNowDto(z.Id, z.Name, z.LastCelsius is { } c ? Math.Round(c, 2) : null, z.LastReadingAt, z.MinC, z.MaxC,
                z.LastCelsius is { } last ? last >= z.MinC && last <= z.MaxC : null)).ToList();
        }
    }

    public static IEndpointRouteBuilder MapTemperatureEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Temperature");
        group.MapGet("/locations/{id:guid}/temperature-zones", async (Guid id, IMediator m) => TypedResults.Ok(await m.Send(new ListQuery(id))))
            .RequireAuthorization(Policies.Staff).WithVenueOf(VenueKind.Location);
        group.MapPost("/locations/{id:guid}/temperature-zones", async (Guid id, Body body, IMediator m) =>
        {
            var zone = await m.Send(new Create(id, body.Name, body.MinC, body.MaxC, body.AlertAfterMinutes));
            return TypedResults.Created($"/api/temperature-zones/{zone.Id}", zone);
        }).RequireAuthorization(Policies.Manager).WithVenueOf(VenueKind.Location);
        group.MapPut("/temperature-zones/{id:guid}", async (Guid id, Body body, IMediator m) =>
                TypedResults.Ok(await m.Send(new Update(id, body.Name, body.MinC, body.MaxC, body.AlertAfterMinutes))))
            .RequireAuthorization(Policies.Manager).WithVenueOf(VenueKind.TemperatureZone);
        group.MapGet("/temperature", async (Guid zoneId, DateTime? from, DateTime? to, IMediator m) =>
                TypedResults.Ok(await m.Send(new ReadingsQuery(zoneId, from?.ToUniversalTime(), to?.ToUniversalTime()))))
            .RequireAuthorization(Policies.Staff).WithVenueOf(VenueKind.TemperatureZone, "zoneId");
        group.MapGet("/locations/{id:guid}/temperature-now", async (Guid id, IMediator m) => TypedResults.Ok(await m.Send(new NowQuery(id))))
            .RequireAuthorization(Policies.Staff).WithVenueOf(VenueKind.Location);
        return app;
    }
}
