using MediatR;
using TapRoom.Contracts;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Visits;

public static class VisitEndpoints
{
    public sealed record OpenAndAssignCardBody(Guid GuestId, string CardUid, string IdempotencyKey, Guid? LocationId = null);

    public sealed record AmountBody(decimal Amount, string? Comment, PaymentMethod? PaymentMethod);

    public sealed record CloseBody(string? Reason, bool? RefundRemaining, PaymentMethod? PaymentMethod);

    public sealed record RaiseLimitBody(int VolumeLimitMl, string Comment);

    public sealed record CloseAllBody(string IdempotencyKey, string? Reason, PaymentMethod? PaymentMethod);

    public static IEndpointRouteBuilder MapVisitEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/visits").WithTags("Visits").RequireAuthorization(Policies.Staff).WithVenueOf(VenueKind.Visit);

        group.MapPost("/open-and-assign-card", async (OpenAndAssignCardBody body, IMediator m) =>
            TypedResults.Ok(await m.Send(new OpenAndAssignCard.Command(body.GuestId, body.CardUid, body.IdempotencyKey, body.LocationId))));

        group.MapGet("/", async (string? status, string? search, Guid? guestId, DateTime? from, DateTime? to, Guid? locationId, IMediator m) =>
            TypedResults.Ok(await m.Send(new ListVisits.Query(status, search, guestId, from, to, locationId))));

        group.MapGet("/{id:guid}", async (Guid id, IMediator m) => TypedResults.Ok(await m.Send(new GetVisit.Query(id))));

        group.MapPost("/{id:guid}/top-up", async (Guid id, AmountBody body, IMediator m) =>
            TypedResults.Ok(await m.Send(new TopUpVisit.Command(id, body.Amount, body.Comment, body.PaymentMethod))));

        group.MapPost("/{id:guid}/refund", async (Guid id, AmountBody body, IMediator m) =>
            TypedResults.Ok(await m.Send(new RefundVisit.Command(id, body.Amount, body.Comment, body.PaymentMethod))));

        group.MapPost("/{id:guid}/close", async (Guid id, CloseBody? body, IMediator m) =>
            TypedResults.Ok(await m.Send(new CloseVisit.Command(id, body?.Reason, body?.RefundRemaining ?? true, body?.PaymentMethod))));

        group.MapPost("/{id:guid}/raise-limit", async (Guid id, RaiseLimitBody body, IMediator m) =>
            TypedResults.Ok(await m.Send(new RaiseVisitLimit.Command(id, body.VolumeLimitMl, body.Comment))));

        group.MapGet("/close-all", async (Guid? locationId, IMediator m) => TypedResults.Ok(await m.Send(new CloseAllPreview.Query())))
            .RequireAuthorization(Policies.Manager);

        group.MapPost("/close-all", async (CloseAllBody body, Guid? locationId, IMediator m) =>
            TypedResults.Ok(await m.Send(new CloseAllVisits.Command(body.IdempotencyKey, body.Reason, body.PaymentMethod))))
            .RequireAuthorization(Policies.Manager);

        return app;
    }
}
