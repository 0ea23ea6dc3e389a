using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using TapRoom.Contracts;
using TapRoom.Server.Features.Controllers;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Hubs;

/// <summary>Thin: each method maps its argument to a MediatR command for the calling controller.</summary>
[Authorize(Policy = Policies.Controller)]
public sealed class ControllerHub(IMediator mediator) : Hub<IControllerClient>
{
    public static string GroupFor(Guid controllerId) => $"controller:{controllerId}";

    private Guid ControllerId => Guid.Parse(Context.User!.FindFirst(TapRoomClaims.ControllerId)!.Value);

    public override async Task OnConnectedAsync()
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, GroupFor(ControllerId));
        await base.OnConnectedAsync();
    }

    public Task<HelloResult> Hello(HelloRequest request) => mediator.Send(new ControllerHello.Command(ControllerId, request));
}
