using System.Collections.Concurrent;
using MediatR;
using Microsoft.AspNetCore.SignalR;
using TapRoom.Server.Features.Controllers;

namespace TapRoom.Server.Hubs;

/// <summary>The open controller connections, so that revoking a key can abort them (SignalR has no API for that).</summary>
public sealed class ControllerConnections
{
    private readonly ConcurrentDictionary<string, (Guid ControllerId, HubCallerContext Context)> _open = new();

    public void Add(Guid controllerId, HubCallerContext context) => _open[context.ConnectionId] = (controllerId, context);

    public void Remove(string connectionId) => _open.TryRemove(connectionId, out _);

    /// <summary>Controllers with at least one open hub connection right now.</summary>
    public IReadOnlyCollection<Guid> ConnectedControllerIds() => _open.Values.Select(v => v.ControllerId).ToHashSet();

    public int AbortAll(Guid controllerId)
    {
        var n = 0;
        foreach (var (_, (id, context)) in _open)
        {
            if (id != controllerId) continue;
            context.Abort();
            n++;
        }
        return n;
    }
}

public sealed class AbortRevokedConnections(ControllerConnections connections, ILogger<AbortRevokedConnections> log)
    : INotificationHandler<ControllerRevokedNotification>
{
    public Task Handle(ControllerRevokedNotification notification, CancellationToken ct)
    {
        var n = connections.AbortAll(notification.ControllerId);
        log.LogInformation("Controller {ControllerId} revoked; aborted {Count} open connection(s)", notification.ControllerId, n);
        return Task.CompletedTask;
    }
}
