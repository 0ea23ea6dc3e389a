using System.Collections.Concurrent;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Pours;

/// <summary>
/// Live progress of a pour (about 4 a second per tap). Every sane report is pushed to staff; the session's last known
/// volume is written at most once a second per pour, with one conditional UPDATE that only moves forward, group-committed
/// with other pours' (<see cref="ProgressWriter"/>). This is
/// telemetry, not a change of state that needs an audit event, so it is a plain request outside the command
/// transaction. Reports that cannot be right (unknown or finished session, another controller's, negative, absurd or
/// going backwards) are dropped and logged.
/// </summary>
public static class ReportPourProgress
{
    public static readonly TimeSpan WriteInterval = TimeSpan.FromSeconds(1);

    public sealed record Request(Guid ControllerId, PourProgressMessage Message) : IRequest<bool>;

    /// <summary>When each pour's progress was last written (singleton; entries are dropped when the pour ends).</summary>
    public sealed class Throttle
    {
        private readonly ConcurrentDictionary<Guid, DateTime> _lastWrite = new();

        public bool ShouldWrite(Guid sessionId, DateTime now)
        {
            var due = true;
            _lastWrite.AddOrUpdate(sessionId, now, (_, last) =>
            {
                due = now - last >= WriteInterval;
                return due ? now : last;
            });
            return due;
        }

        public void Forget(Guid sessionId) => _lastWrite.TryRemove(sessionId, out _);
    }

    public sealed class Handler(TapRoomDbContext db, Throttle throttle, ProgressWriter writer, IMediator mediator, TimeProvider time, ILogger<Handler> log)
        : IRequestHandler<Request, bool>
    {
        public async Task<bool> Handle(Request request, CancellationToken ct)
        {
            var m = request.Message;
            var now = time.GetUtcNow().UtcDateTime;
            if (m is null || m.PourSessionId == Guid.Empty) return Drop("empty message");
            var session = await db.PourSessions.AsNoTracking()
                .Where(p => p.Id == m.PourSessionId)
                .Select(p => new { p.ControllerId, p.TapId, p.VisitId, p.SyncStatus, p.LastProgressMl })
                .FirstOrDefaultAsync(ct);
            if (session is null || session.ControllerId != request.ControllerId) return Drop("unknown session");
            if (session.SyncStatus != SyncStatus.PendingSync)
            {
                throttle.Forget(m.PourSessionId);
                return Drop("session finished");
            }
            if (m.VolumeMl < 0 || m.VolumeMl > CompletePour.AbsurdVolumeMl || m.VolumeMl < session.LastProgressMl) return Drop("volume out of range");

            if (throttle.ShouldWrite(m.PourSessionId, now)) await writer.WriteAsync(m.PourSessionId, m.VolumeMl, now);
            await mediator.Publish(new PourProgressNotification(m.PourSessionId, session.TapId, session.VisitId, m.VolumeMl, now), ct);
            return true;

            bool Drop(string why)
            {
                log.LogInformation("Pour progress from controller {ControllerId} dropped: {Reason}", request.ControllerId, why);
                return false;
            }
        }
    }
}
