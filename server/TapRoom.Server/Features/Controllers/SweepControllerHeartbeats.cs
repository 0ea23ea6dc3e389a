using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Features.Alerts;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Controllers;

/// <summary>
/// Marks controllers offline that have not been seen within the location's heartbeat timeout. An open hub connection is
/// the heartbeat (SignalR's keep-alive closes a dead one within its client timeout): a controller connected to any
/// instance counts as seen now, so one that said Hello once and then only pours is not reported offline.
/// </summary>
public static class SweepControllerHeartbeats
{
    public sealed record Command : ICommand<Result>;

    public sealed record Result(IReadOnlyList<Guid> MarkedOffline);

    public sealed class Handler(TapRoomDbContext db, TimeProvider time, AuditTrail audit, AlertRaiser alerts, DomainEvents events,
        Hubs.ControllerConnections connections)
        : IRequestHandler<Command, Result>
    {
        public async Task<Result> Handle(Command request, CancellationToken cancellationToken)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var connected = (await connections.ConnectedControllerIdsAsync()).ToList();
            if (connected.Count > 0)
            {
                await db.Controllers.Where(c => connected.Contains(c.Id) && c.IsOnline && c.RevokedAt == null && (c.LastSeenAt == null || c.LastSeenAt < now))
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.LastSeenAt, now), cancellationToken);
            }
            // Each venue has its own heartbeat timeout: the least of them finds the candidates, each venue's decides.
            var venues = await db.Locations.AsNoTracking().ToDictionaryAsync(l => l.Id, cancellationToken);
            var earliest = now.AddSeconds(-venues.Values.Select(v => v.Policies.ControllerHeartbeatTimeoutSeconds).DefaultIfEmpty(30).Min());
            var stale = (await db.Controllers
                .Where(c => c.IsOnline && c.RevokedAt == null && (c.LastSeenAt == null || c.LastSeenAt < earliest) && !connected.Contains(c.Id))
                .ToListAsync(cancellationToken))
                .Where(c => c.LastSeenAt == null || c.LastSeenAt < now.AddSeconds(-venues[c.LocationId].Policies.ControllerHeartbeatTimeoutSeconds))
                .ToList();
            foreach (var c in stale)
            {
                var venue = venues[c.LocationId];
                c.IsOnline = false;
                audit.Record(AuditActions.ControllerOffline, "controller", c.Id, new { lastSeenAt = c.LastSeenAt, reason = "heartbeat_timeout" });
                var pouring = await db.PourSessions.AnyAsync(p => p.ControllerId == c.Id && p.SyncStatus == SyncStatus.PendingSync, cancellationToken);
                await alerts.RaiseAsync(AlertTypes.ControllerOffline, pouring ? AlertSeverity.Critical : AlertSeverity.Warning,
                    "controller", c.Id, $"Controller {c.Name} has not been seen since {venue.LocalTimeText(c.LastSeenAt)}{(pouring ? " while a pour was in progress" : "")}.",
                    cancellationToken, c.LocationId);
                events.Add(new ControllerStatusChangedNotification(c.Id));
            }
            return new Result(stale.Select(c => c.Id).ToList());
        }
    }
}

public sealed record ControllerStatusChangedNotification(Guid ControllerId) : INotification;
