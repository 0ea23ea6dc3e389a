using System.Collections.Concurrent;
using MediatR;
using Microsoft.AspNetCore.SignalR;
using TapRoom.Server.Features.Controllers;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Hubs;

/// <summary>
/// The open controller connections of this instance, so that revoking a key can abort them (SignalR has no API for
/// that), and the controllers connected to any instance (each instance keeps its own set in Redis, see
/// <see cref="InstanceSets"/>): a controller that moved from A to B counts as connected wherever the heartbeat sweep runs.
/// </summary>
public sealed class ControllerConnections(InstanceSets sets) : IInstanceMessageHandler
{
    private const string SetName = "controllers";
    private readonly ConcurrentDictionary<string, (Guid ControllerId, HubCallerContext Context)> _open = new();
    private readonly SemaphoreSlim _writing = new(1, 1);

    public async Task AddAsync(Guid controllerId, HubCallerContext context)
    {
        _open[context.ConnectionId] = (controllerId, context);
        await PublishAsync();
    }

    public async Task RemoveAsync(string connectionId)
    {
        if (_open.TryRemove(connectionId, out _)) await PublishAsync();
    }

    /// <summary>Writes this instance's set as it is now; one writer at a time, so the last write holds the latest state.</summary>
    public async Task PublishAsync()
    {
        // A single instance answers from its own connections (ConnectedControllerIdsAsync): without this, every connect
        // rebuilt the list of all connected controllers under the semaphore, for nothing (O(n²) as 500 connect at once).
        if (!sets.AreShared) return;
        await _writing.WaitAsync();
        try { await sets.WriteAsync(SetName, LocalControllerIds().Select(id => id.ToString()).ToList()); }
        finally { _writing.Release(); }
    }

    /// <summary>This instance's set removed on a clean stop (its connections are closed by then).</summary>
    public Task WithdrawAsync() => sets.RemoveAsync(SetName);

    /// <summary>Controllers with at least one open hub connection on this instance right now.</summary>
    public IReadOnlyCollection<Guid> LocalControllerIds() => _open.Values.Select(v => v.ControllerId).ToHashSet();

    /// <summary>Controllers with at least one open hub connection on any live instance.</summary>
    public async Task<IReadOnlyCollection<Guid>> ConnectedControllerIdsAsync()
    {
        var all = await sets.ReadAllAsync(SetName, LocalControllerIds().Select(id => id.ToString()));
        return all.Select(s => Guid.TryParse(s, out var id) ? id : Guid.Empty).Where(id => id != Guid.Empty).ToHashSet();
    }

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

    public void Handle(InstanceMessage message)
    {
        if (message.Kind == InstanceMessage.ControllerRevoked) AbortAll(message.Id);
    }
}

/// <summary>Rewrites this instance's set of connected controllers before it expires, and withdraws it on a clean stop.</summary>
public sealed class ControllerPresence(ControllerConnections connections, ThisInstance instance) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (instance.IsAlone) return;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await connections.PublishAsync();
                await Task.Delay(InstanceSets.Refresh, stoppingToken);
            }
        }
        catch (OperationCanceledException) { }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (!instance.IsAlone) await connections.WithdrawAsync();
    }
}

/// <summary>A revoked controller's open connections are aborted on every instance (each aborts those it holds).</summary>
public sealed class AbortRevokedConnections(InstanceBus bus, ILogger<AbortRevokedConnections> log)
    : INotificationHandler<ControllerRevokedNotification>
{
    public async Task Handle(ControllerRevokedNotification notification, CancellationToken ct)
    {
        await bus.PublishAsync(new InstanceMessage(InstanceMessage.ControllerRevoked, notification.ControllerId));
        log.LogInformation("Controller {ControllerId} revoked; its open connections are aborted on every instance", notification.ControllerId);
    }
}
