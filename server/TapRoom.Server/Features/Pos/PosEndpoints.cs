using MediatR;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Pos;

public static class PosEndpoints
{
    public sealed record MarkDoneBody(string? Comment);

    public static IEndpointRouteBuilder MapPosEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/pos/outbox").WithTags("POS").WithVenueOf(VenueKind.PosOutboxEntry);
        group.MapGet("/", async (string? status, int? limit, Guid? locationId, IMediator m) =>
            TypedResults.Ok(await m.Send(new ListPosOutbox.Query(status, limit, locationId))))
            .RequireAuthorization(Policies.Staff);
        group.MapPost("/{id:long}/retry", async (long id, IMediator m) =>
            TypedResults.Ok(await m.Send(new RetryPosEntry.Command(id))))
            .RequireAuthorization(Policies.Staff);
        group.MapPost("/{id:long}/mark-done", async (long id, MarkDoneBody body, IMediator m) =>
            TypedResults.Ok(await m.Send(new MarkPosEntryDone.Command(id, body.Comment ?? ""))))
            .RequireAuthorization(Policies.Staff);
        return app;
    }
}
