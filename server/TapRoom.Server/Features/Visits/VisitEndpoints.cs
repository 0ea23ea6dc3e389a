using MediatR;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Visits;

public static class VisitEndpoints
{
    public sealed record OpenAndAssignCardBody(Guid GuestId, string CardUid, string IdempotencyKey);

    public sealed record AmountBody(decimal Amount, string? Comment);

    public sealed record CloseBody(string? Reason, bool? RefundRemaining);

    public sealed record RaiseLimitBody(int VolumeLimitMl, string Comment);

    public static IEndpointRouteBuilder MapVisitEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/visits").WithTags("Visits").RequireAuthorization(Policies.Staff);

        group.MapPost("/open-and-assign-card", async (OpenAndAssignCardBody body, IMediator m) =>
            TypedResults.Ok(await m.Send(new OpenAndAssignCard.Command(body.GuestId, body.CardUid, body.IdempotencyKey))));

        group.MapGet("/", async (string? status, IMediator m) => TypedResults.Ok(await m.Send(new ListVisits.Query(status))));

        group.MapGet("/{id:guid}", async (Guid id, IMediator m) => TypedResults.Ok(await m.Send(new GetVisit.Query(id))));

        group.MapPost("/{id:guid}/top-up", async (Guid id, AmountBody body, IMediator m) =>
            TypedResults.Ok(await m.Send(new TopUpVisit.Command(id, body.Amount, body.Comment))));

        group.MapPost("/{id:guid}/refund", async (Guid id, AmountBody body, IMediator m) =>
            TypedResults.Ok(await m.Send(new RefundVisit.Command(id, body.Amount, body.Comment))));

        group.MapPost("/{id:guid}/close", async (Guid id, CloseBody? body, IMediator m) =>
            TypedResults.Ok(await m.Send(new CloseVisit.Command(id, body?.Reason, body?.RefundRemaining ?? true))));

        group.MapPost("/{id:guid}/raise-limit", async (Guid id, RaiseLimitBody body, IMediator m) =>
            TypedResults.Ok(await m.Send(new RaiseVisitLimit.Command(id, body.VolumeLimitMl, body.Comment))));

        return app;
    }
}
