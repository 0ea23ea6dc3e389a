using MediatR;
using TapRoom.Server.Features.Kegs;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Taps;

public static class TapEndpoints
{
    public sealed record ConnectKegBody(Guid KegId);

    public sealed record FlushBody(int VolumeMl);

    public sealed record CalibrateBody(Guid? TapId, int MeasuredVolumeMl, int Pulses);

    public static IEndpointRouteBuilder MapTapEndpoints(this IEndpointRouteBuilder app)
    {
        var taps = app.MapGroup("/api/taps").WithTags("Taps").WithVenueOf(VenueKind.Tap);
        taps.MapGet("/", async (Guid? locationId, IMediator m) => TypedResults.Ok(await m.Send(new ListTaps.Query(locationId))))
            .RequireAuthorization(Policies.Staff);
        taps.MapGet("/{id:guid}", async (Guid id, IMediator m) => TypedResults.Ok(await m.Send(new GetTap.Query(id))))
            .RequireAuthorization(Policies.Staff);
        taps.MapPost("/", async (CreateTap.Command body, IMediator m) =>
        {
            var tap = await m.Send(body);
            return TypedResults.Created($"/api/taps/{tap.Id}", tap);
        }).RequireAuthorization(Policies.Manager);
        taps.MapGet("/{id:guid}/keg-suggestion", async (Guid id, IMediator m) => TypedResults.Ok(await m.Send(new SuggestKeg.Query(id))))
            .RequireAuthorization(Policies.Staff);
        taps.MapPost("/{id:guid}/connect-keg", async (Guid id, ConnectKegBody body, IMediator m) =>
                TypedResults.Ok(await m.Send(new ConnectKeg.Command(id, body.KegId))))
            .RequireAuthorization(Policies.Staff);
        taps.MapPost("/{id:guid}/flush", async (Guid id, FlushBody body, IMediator m) =>
                TypedResults.Ok(await m.Send(new FlushTap.Command(id, body.VolumeMl))))
            .RequireAuthorization(Policies.Staff);

        app.MapPost("/api/controllers/{id:guid}/calibrate", async (Guid id, CalibrateBody body, IMediator m) =>
                TypedResults.Ok(await m.Send(new CalibrateController.Command(id, body.TapId, body.MeasuredVolumeMl, body.Pulses))))
            .WithTags("Controllers").RequireAuthorization(Policies.Manager).WithVenueOf(VenueKind.Controller);
        return app;
    }
}
