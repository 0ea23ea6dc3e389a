using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using TapRoom.Contracts;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Hubs;

/// <summary>
/// Server → browser only: staff dashboards listen here (the sign-in cookie authenticates the connection). Pushes come
/// from the notification handlers in Features/Dashboard through <c>IHubContext</c>; a browser reloads over REST on
/// every (re)connect, so nothing depends on having seen every push. The connection is registered under its user so
/// that ending the session (sign-out) or all the user's sessions (sign-out everywhere, password, role, deactivation)
/// closes it too.
/// </summary>
[Authorize(Policy = Policies.Staff)]
public sealed class DashboardHub(StaffConnections connections) : Hub<IDashboardClient>
{
    public override Task OnConnectedAsync()
    {
        if (Guid.TryParse(Context.User?.FindFirstValue(ClaimTypes.NameIdentifier), out var id)) connections.Add(id, StaffSessions.SessionId(Context.User), Context);
        return base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        connections.Remove(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }
}
