using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Alerts;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Temperature;

/// <summary>
/// A controller's batch of readings (<c>TemperatureReadings</c>). Readings that are not plausible (not a number,
/// outside −40…125 °C, exactly 85.0 °C) or not of the last day are refused and counted; the others are kept, their
/// sensors marked heard, and each zone's range checked on its new readings in time order (<see cref="ZoneAlarm"/>).
/// A zone a controller names for the first time is created with a default range for a manager to set.
/// </summary>
public static class RecordTemperatureReadings
{
    public sealed record Command(Guid ControllerId, TemperatureReadingsRequest Request) : ICommand<TemperatureReadingsResult>, IControllerRequest;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.Request).NotNull();
            RuleFor(x => x.Request.Readings).NotNull().Must(r => r is null || r.Count <= TemperatureReadingsRequest.MaxBatch)
                .WithMessage($"At most {TemperatureReadingsRequest.MaxBatch} readings per batch.").When(x => x.Request is not null);
            RuleForEach(x => x.Request.Readings).ChildRules(r =>
            {
                r.RuleFor(x => x.SensorId).NotEmpty().MaximumLength(64).SingleLine();
                r.RuleFor(x => x.Zone).NotEmpty().MaximumLength(TemperatureZones.MaxNameLength).SingleLine();
            }).When(x => x.Request?.Readings is not null);
        }
    }

    public sealed class Handler(TapRoomDbContext db, TimeProvider time, AlertRaiser alerts, AuditTrail audit, DomainEvents events)
        : IRequestHandler<Command, TemperatureReadingsResult>
    {
        public async Task<TemperatureReadingsResult> Handle(Command request, CancellationToken ct)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var controller = await db.Controllers.AsNoTracking().Where(c => c.Id == request.ControllerId)
                .Select(c => new { c.Id, c.LocationId, c.Name }).FirstOrDefaultAsync(ct) ?? throw new NotFoundException("Controller", request.ControllerId);
            var venue = await db.Locations.AsNoTracking().FirstAsync(l => l.Id == controller.LocationId, ct);
            var all = request.Request.Readings;
            var kept = all.Where(r => TemperatureReadingRules.IsPlausible(r.Celsius) && r.At.ToUniversalTime() <= now.AddMinutes(5) && r.At.ToUniversalTime() >= now.AddDays(-1))
                .Select(r => r with { Zone = r.Zone.Trim(), SensorId = r.SensorId.Trim(), At = DateTime.SpecifyKind(r.At.ToUniversalTime(), DateTimeKind.Utc) })
                .OrderBy(r => r.At).ToList();
            if (kept.Count == 0) return new TemperatureReadingsResult(0, all.Count);

            var zones = new Dictionary<string, TemperatureZone>(StringComparer.OrdinalIgnoreCase);
            foreach (var name in kept.Select(r => r.Zone).Distinct(StringComparer.OrdinalIgnoreCase))
                zones[name] = await ZoneAsync(controller.LocationId, name, now, ct);

            var sensors = await db.TemperatureSensors.Where(s => s.ControllerId == controller.Id).ToDictionaryAsync(s => s.SensorId, ct);
            foreach (var group in kept.GroupBy(r => r.SensorId))
            {
                var last = group.Last();
                var zone = zones[last.Zone];
                if (!sensors.TryGetValue(group.Key, out var sensor))
                {
                    sensor = new TemperatureSensor { Id = Guid.NewGuid(), ControllerId = controller.Id, SensorId = group.Key, ZoneId = zone.Id, LastReadingAt = last.At };
                    db.TemperatureSensors.Add(sensor);
                    sensors[group.Key] = sensor;
                }
                sensor.ZoneId = zone.Id;
                if (last.At > sensor.LastReadingAt) sensor.LastReadingAt = last.At;
                if (sensor.SilentSince is not null)
                {
                    sensor.SilentSince = null;
                    await ZoneAlarm.ResolveAsync(db, audit, events, now, AlertTypes.SensorSilent, "temperature_sensor", sensor.Id,
                        $"Sensor {sensor.SensorId} reports again ({last.Celsius:0.0} °C).", ct);
                }
            }

            foreach (var r in kept)
                db.TemperatureReadings.Add(new TemperatureReadingRow { ZoneId = zones[r.Zone].Id, SensorId = r.SensorId, Celsius = r.Celsius!.Value, At = r.At });

            foreach (var zone in zones.Values)
            {
                foreach (var r in kept.Where(r => zones[r.Zone] == zone && (zone.LastReadingAt is null || r.At > zone.LastReadingAt)))
                {
                    var step = ZoneAlarm.Step(zone, r.Celsius!.Value, r.At);
                    if (step.Raise is { } severity)
                    {
                        await alerts.RaiseAsync(AlertTypes.TemperatureOutOfRange, severity, "temperature_zone", zone.Id,
                            ZoneAlarm.Message(zone, r.Celsius.Value, venue), ct);
                    }
                    else if (step.Resolved)
                    {
                        await ZoneAlarm.ResolveAsync(db, audit, events, now, AlertTypes.TemperatureOutOfRange, "temperature_zone", zone.Id,
                            $"{zone.Name} back in range ({r.Celsius.Value:0.0} °C) for {ZoneAlarm.ResolveAfter.TotalMinutes:0} minutes.", ct);
                    }
                }
            }
            return new TemperatureReadingsResult(kept.Count, all.Count - kept.Count);
        }

        /// <summary>The venue's zone by name (case-insensitive), locked for this batch; created with a default range if new.</summary>
        private async Task<TemperatureZone> ZoneAsync(Guid locationId, string name, DateTime now, CancellationToken ct)
        {
            var lower = name.ToLowerInvariant();
            await RowLocks.LockNameAsync(db, $"temperature_zone:{locationId}:{lower}", ct);
            var zone = await db.TemperatureZones.FirstOrDefaultAsync(z => z.LocationId == locationId && z.Name.ToLower() == lower, ct);
            if (zone is not null) return zone;
            var (min, max) = TemperatureZones.DefaultRange(name);
            zone = new TemperatureZone
            {
                Id = Guid.NewGuid(), LocationId = locationId, Name = name, MinC = min, MaxC = max,
                AlertAfterMinutes = TemperatureZones.DefaultAlertAfterMinutes, CreatedAt = now,
            };
            db.TemperatureZones.Add(zone);
            audit.Record(AuditActions.TemperatureZoneAutoCreated, "temperature_zone", zone.Id, new { locationId, name, minC = min, maxC = max });
            return zone;
        }
    }
}

/// <summary>
/// A zone's out-of-range alert (docs/RULES.md, "Temperature zones"). A reading outside the range starts (or continues) a
/// spell; once the spell is older than the zone's grace time a warning is raised, critical when the reading is more than
/// 3 °C out (an open warning is escalated). The spell ends only on a reading at least 0.5 °C inside the range; with an
/// alert open, it must stay there 5 minutes, then the alert resolves itself. A reading on the edge (in range, but within
/// 0.5 °C of it) neither ends the spell nor counts towards the 5 minutes, so a value wavering at the edge never flaps.
/// </summary>
public static class ZoneAlarm
{
    public const double HysteresisC = 0.5;
    public const double CriticalBeyondC = 3.0;
    public static readonly TimeSpan ResolveAfter = TimeSpan.FromMinutes(5);

    public readonly record struct Result(AlertSeverity? Raise, bool Resolved);

    public static Result Step(TemperatureZone zone, double celsius, DateTime at)
    {
        zone.LastCelsius = celsius;
        zone.LastReadingAt = at;
        var outside = celsius < zone.MinC || celsius > zone.MaxC;
        var inside = celsius >= zone.MinC + HysteresisC && celsius <= zone.MaxC - HysteresisC;
        if (outside)
        {
            zone.BackInRangeSince = null;
            zone.OutOfRangeSince ??= at;
            if (at - zone.OutOfRangeSince.Value < TimeSpan.FromMinutes(zone.AlertAfterMinutes)) return default;
            var off = celsius < zone.MinC ? zone.MinC - celsius : celsius - zone.MaxC;
            var severity = off > CriticalBeyondC ? AlertSeverity.Critical : AlertSeverity.Warning;
            if (zone.AlertedSeverity is { } raised && raised >= severity) return default;
            zone.AlertedSeverity = severity;
            return new Result(severity, false);
        }
        if (!inside)
        {
            zone.BackInRangeSince = null;
            return default;
        }
        if (zone.AlertedSeverity is null)
        {
            zone.OutOfRangeSince = null;
            zone.BackInRangeSince = null;
            return default;
        }
        zone.BackInRangeSince ??= at;
        if (at - zone.BackInRangeSince.Value < ResolveAfter) return default;
        zone.AlertedSeverity = null;
        zone.OutOfRangeSince = null;
        zone.BackInRangeSince = null;
        return new Result(null, true);
    }

    public static string Message(TemperatureZone zone, double celsius, Location venue)
    {
        var side = celsius > zone.MaxC ? "above" : "below";
        var off = celsius > zone.MaxC ? celsius - zone.MaxC : zone.MinC - celsius;
        return $"{zone.Name} is at {celsius:0.0} °C, {off:0.0} °C {side} its range {zone.MinC:0.#}–{zone.MaxC:0.#} °C, since {venue.LocalTimeText(zone.OutOfRangeSince)}.";
    }

    /// <summary>Resolves the open alert of this type and subject, if there is one, as the system (audited, pushed).</summary>
    public static async Task ResolveAsync(TapRoomDbContext db, AuditTrail audit, DomainEvents events, DateTime now, string type, string subjectType, Guid subjectId,
        string comment, CancellationToken ct)
    {
        var open = await db.Alerts.FirstOrDefaultAsync(a => a.Type == type && a.SubjectType == subjectType && a.SubjectId == subjectId && a.Status != AlertStatus.Resolved, ct);
        if (open is null) return;
        open.Status = AlertStatus.Resolved;
        open.ResolvedAt = now;
        open.ResolvedBy = "system";
        open.ResolveComment = comment;
        audit.Record(AuditActions.AlertAutoResolved, "alert", open.Id, new { open.Type, open.Severity, comment });
        events.Add(new AlertChangedNotification(open.Id, IsNew: false));
    }
}
