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
/// A connection joins the group of each venue its user may see (an admin: the chain's group), and every push goes to the
/// group of the venue it concerns and the chain's: nobody hears of another venue's taps, visits or alerts.
/// </summary>
[Authorize(Policy = Policies.Staff)]
public sealed class DashboardHub(StaffConnections connections, VenueAccess access, CurrentActor actor) : Hub<IDashboardClient>
{
    public const string ChainGroup = "chain";

    public static string VenueGroup(Guid locationId) => "venue:" + locationId.ToString("N");

    public override async Task OnConnectedAsync()
    {
        if (Guid.TryParse(Context.User?.FindFirstValue(ClaimTypes.NameIdentifier), out var id)) connections.Add(id, StaffSessions.SessionId(Context.User), Context);
        actor.Value = Actor.FromPrincipal(Context.User);
        // A browser at one venue's URL hears that venue only (?locationId=, which the user must see); without one, an
        // admin hears the chain and anyone else every venue they work at.
        if (Guid.TryParse(Context.GetHttpContext()?.Request.Query["locationId"], out var asked))
        {
            if (!await access.CanSeeAsync(asked, Context.ConnectionAborted)) throw new HubException("not_found: No such venue here.");
            await Groups.AddToGroupAsync(Context.ConnectionId, VenueGroup(asked));
        }
        else if (actor.Value.IsAtLeast(StaffRole.Admin)) await Groups.AddToGroupAsync(Context.ConnectionId, ChainGroup);
        else
            foreach (var venue in await access.VisibleAsync(Context.ConnectionAborted))
                await Groups.AddToGroupAsync(Context.ConnectionId, VenueGroup(venue));
        await base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        connections.Remove(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }
}
