using MediatR;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Hubs;

namespace TapRoom.Server.Features.Dashboard;

/// <summary>
/// A denial at a tap goes to every dashboard (<see cref="IDashboardClient.PourDenied"/>): the tap card shows the
/// reason, the guest and what to do for a few seconds. A denial is an event, not state, so it is sent as it came
/// (only the tap's name is read); a dashboard that missed it sees it in the audit log.
/// </summary>
public sealed class PourDenialPushes(TapRoomDbContext db, IHubContext<DashboardHub, IDashboardClient> hub, Infrastructure.VenueDirectory venues)
    : INotificationHandler<PourDeniedNotification>
{
    public async Task Handle(PourDeniedNotification n, CancellationToken ct)
    {
        var tapName = await ReadModels.TapNameAsync(db, n.TapId, ct);
        await hub.Clients.Groups(DashboardHub.VenueGroup(await venues.TapLocationAsync(n.TapId, ct)), DashboardHub.ChainGroup).PourDenied(new PourDeniedPush(n.TapId, tapName, n.Reason, n.Message, n.CardUid, n.VisitId, n.GuestName, n.At));
    }
}
