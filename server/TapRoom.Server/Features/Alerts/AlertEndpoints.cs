using MediatR;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Alerts;

public static class AlertEndpoints
{
    public sealed record CommentBody(string? Comment);

    public static IEndpointRouteBuilder MapAlertEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/alerts").WithTags("Alerts").WithVenueOf(VenueKind.Alert);
        group.MapGet("/", async (string? status, string? severity, int? limit, Guid? locationId, IMediator m) =>
                TypedResults.Ok(await m.Send(new ListAlerts.Query(status, severity, limit, locationId))))
            .RequireAuthorization(Policies.Staff);
        group.MapPost("/{id:guid}/acknowledge", async (Guid id, CommentBody body, IMediator m) =>
                TypedResults.Ok(await m.Send(new AcknowledgeAlert.Command(id, body.Comment))))
            .RequireAuthorization(Policies.Staff);
        group.MapPost("/{id:guid}/resolve", async (Guid id, CommentBody body, IMediator m) =>
                TypedResults.Ok(await m.Send(new ResolveAlert.Command(id, body.Comment ?? ""))))
            .RequireAuthorization(Policies.Staff);
        group.MapPost("/mute", async (MuteAlerts.Command body, IMediator m) =>
        {
            var mute = await m.Send(body);
            return TypedResults.Created($"/api/alerts/mutes/{mute.Id}", mute);
        }).RequireAuthorization(Policies.Manager);
        return app;
    }
}
