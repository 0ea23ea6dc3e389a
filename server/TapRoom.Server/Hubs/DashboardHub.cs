using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using TapRoom.Contracts;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Hubs;

/// <summary>
/// Server → browser only: staff dashboards listen here (the sign-in cookie authenticates the connection). Pushes come
/// from the notification handlers in Features/Dashboard through <c>IHubContext</c>; a browser reloads over REST on
/// every (re)connect, so nothing depends on having seen every push.
/// </summary>
[Authorize(Policy = Policies.Staff)]
public sealed class DashboardHub : Hub<IDashboardClient>;
