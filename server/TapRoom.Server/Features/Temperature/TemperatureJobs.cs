using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Features.Alerts;
using TapRoom.Server.Infrastructure;
using TapRoom.Server.Jobs;

namespace TapRoom.Server.Features.Temperature;

/// <summary>
/// <c>sensor_silent</c>: a sensor of a controller that is not revoked, heard nothing from for 5 minutes, raises one
/// warning (the sensor's next reading resolves it). Runs every <c>TapRoom:Jobs:TemperatureSweepSeconds</c>.
/// </summary>
public static class SweepSilentSensors
{
    public static readonly TimeSpan SilentAfter = TimeSpan.FromMinutes(5);

    public sealed record Command : ICommand<Result>;

    public sealed record Result(IReadOnlyList<Guid> Silent);

    public sealed class Handler(TapRoomDbContext db, TimeProvider time, AlertRaiser alerts) : IRequestHandler<Command, Result>
    {
        public async Task<Result> Handle(Command request, CancellationToken ct)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var cutoff = now - SilentAfter;
            var silent = await (from s in db.TemperatureSensors
                                join c in db.Controllers on s.ControllerId equals c.Id
                                join z in db.TemperatureZones on s.ZoneId equals z.Id
                                join l in db.Locations on c.LocationId equals l.Id
                                where s.SilentSince == null && s.LastReadingAt < cutoff && c.RevokedAt == null
                                select new { Sensor = s, Controller = c.Name, Zone = z.Name, l.TimeZone, LocationId = l.Id }).ToListAsync(ct);
            foreach (var x in silent)
            {
                x.Sensor.SilentSince = now;
                var (local, zone) = Domain.Location.ToVenueTime(x.Sensor.LastReadingAt, x.TimeZone);
                await alerts.RaiseAsync(AlertTypes.SensorSilent, AlertSeverity.Warning, "temperature_sensor", x.Sensor.Id,
                    $"Sensor {x.Sensor.SensorId} ({x.Zone}) on controller {x.Controller} has sent nothing since {local:HH:mm:ss} ({zone}).", ct, x.LocationId);
            }
            return new Result(silent.Select(x => x.Sensor.Id).ToList());
        }
    }
}

/// <summary>
/// Keeps readings raw for a day, then one a minute per sensor (the minute's mean), for 30 days (PRODUCT.md "Cold beer").
/// Works through the raw readings older than a day six hours at a time, so a run after a long pause stays bounded.
/// </summary>
public static class DownsampleTemperatureReadings
{
    public static readonly TimeSpan RawFor = TimeSpan.FromDays(1);
    public static readonly TimeSpan KeptFor = TimeSpan.FromDays(30);
    private static readonly TimeSpan Window = TimeSpan.FromHours(6);

    public sealed record Command(int MaxWindows = 8) : ICommand<Result>;

    public sealed record Result(int RawFolded, int MinutesWritten, int Deleted);

    public sealed class Handler(TapRoomDbContext db, TimeProvider time) : IRequestHandler<Command, Result>
    {
        public async Task<Result> Handle(Command request, CancellationToken ct)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var expired = now - KeptFor;
            var deleted = await db.TemperatureReadings.Where(r => r.At < expired).ExecuteDeleteAsync(ct);
            var rawBefore = Minute(now - RawFor);
            int folded = 0, written = 0;
            for (var i = 0; i < request.MaxWindows; i++)
            {
                var oldest = await db.TemperatureReadings.Where(r => !r.Averaged && r.At < rawBefore).OrderBy(r => r.At).Select(r => (DateTime?)r.At).FirstOrDefaultAsync(ct);
                if (oldest is null) break;
                var end = Minute(oldest.Value) + Window;
                if (end > rawBefore) end = rawBefore;
                var raw = await db.TemperatureReadings.AsNoTracking().Where(r => !r.Averaged && r.At < end)
                    .Select(r => new { r.ZoneId, r.SensorId, r.Celsius, r.At }).ToListAsync(ct);
                foreach (var g in raw.GroupBy(r => (r.ZoneId, r.SensorId, Minute: Minute(r.At))))
                {
                    db.TemperatureReadings.Add(new TemperatureReadingRow
                    {
                        ZoneId = g.Key.ZoneId, SensorId = g.Key.SensorId, At = g.Key.Minute, Averaged = true,
                        Celsius = Math.Round(g.Average(r => r.Celsius), 3),
                    });
                    written++;
                }
                folded += await db.TemperatureReadings.Where(r => !r.Averaged && r.At < end).ExecuteDeleteAsync(ct);
                await db.SaveChangesAsync(ct);
            }
            return new Result(folded, written, deleted);
        }

        private static DateTime Minute(DateTime t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);
    }
}

public sealed class TemperatureSweepJob(IMediator mediator, Hangfire.JobStorage storage, ILogger<TemperatureSweepJob> logger)
    : CommandJob<SweepSilentSensors.Result>(mediator, storage, logger)
{
    protected override IRequest<SweepSilentSensors.Result> CreateCommand() => new SweepSilentSensors.Command();
}

public sealed class TemperatureDownsampleJob(IMediator mediator, Hangfire.JobStorage storage, ILogger<TemperatureDownsampleJob> logger)
    : CommandJob<DownsampleTemperatureReadings.Result>(mediator, storage, logger)
{
    protected override IRequest<DownsampleTemperatureReadings.Result> CreateCommand() => new DownsampleTemperatureReadings.Command();
}
