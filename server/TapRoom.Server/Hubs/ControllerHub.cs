using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using TapRoom.Contracts;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Controllers;
using TapRoom.Server.Features.Pours;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Hubs;

/// <summary>Thin: each method maps its argument to a MediatR command for the calling controller.</summary>
[Authorize(Policy = Policies.Controller)]
public sealed class ControllerHub(IMediator mediator, ControllerConnections connections) : Hub<IControllerClient>, IControllerHub
{
    public static string GroupFor(Guid controllerId) => $"controller:{controllerId}";

    private Guid ControllerId => Guid.Parse(Context.User!.FindFirst(TapRoomClaims.ControllerId)!.Value);

    public override async Task OnConnectedAsync()
    {
        await connections.AddAsync(ControllerId, Context);
        await Groups.AddToGroupAsync(Context.ConnectionId, GroupFor(ControllerId));
        await base.OnConnectedAsync();
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        await connections.RemoveAsync(Context.ConnectionId);
        await base.OnDisconnectedAsync(exception);
    }

    public Task<HelloResult> Hello(HelloRequest request) => mediator.Send(new ControllerHello.Command(ControllerId, request));

    public async Task<AuthorizeResult> Authorize(AuthorizeRequest request)
    {
        try
        {
            return await mediator.Send(new AuthorizePour.Command(ControllerId, request));
        }
        catch (DomainException ex) when (ex.Code == "server_busy")
        {
            // A deny the agent understands (it asks once more), not a hub error.
            return new AuthorizeResult(false, null, null, DenyReason.ServerBusy, ex.Message, null, null);
        }
    }

    public Task<CompletePourResult> CompletePour(CompletePourRequest request) => mediator.Send(new Features.Pours.CompletePour.Command(ControllerId, request));

    public Task<SyncPoursResult> SyncPours(SyncPoursRequest request) => mediator.Send(new Features.Pours.SyncPours.Command(ControllerId, request));

    public Task PourProgress(PourProgressMessage message) => mediator.Send(new ReportPourProgress.Request(ControllerId, message));

    public Task CardPresented(CardPresentedMessage message) => mediator.Send(new ReportCardReader.Presented(message, ControllerId));

    public Task CardRemoved(CardRemovedMessage message) => mediator.Send(new ReportCardReader.Removed(message, ControllerId));

    public Task FlowWithoutPour(FlowWithoutPourMessage message) => mediator.Send(new ReportFlowWithoutPour.Command(ControllerId, message));

    public Task<TemperatureReadingsResult> TemperatureReadings(TemperatureReadingsRequest request) =>
        mediator.Send(new Features.Temperature.RecordTemperatureReadings.Command(ControllerId, request));
    public Task CalibrationPourDone(CalibrationPourDoneMessage message) =>
        mediator.Send(new Features.Calibration.ReportCalibrationPourDone.Command(ControllerId, message));

    public Task<string> Echo(string text) => Task.FromResult(text);
}
