using MediatR;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Guests;

public static class GuestEndpoints
{
    public sealed record GuestBody(string Name, string? Phone, string? Email, DateOnly? DateOfBirth);

    public sealed record CommentBody(string? Comment);

    public static IEndpointRouteBuilder MapGuestEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/guests").WithTags("Guests").RequireAuthorization(Policies.Staff);

        group.MapGet("/", async (string? search, Guid? locationId, IMediator m) => TypedResults.Ok(await m.Send(new SearchGuests.Query(search))));

        group.MapPost("/", async (GuestBody body, IMediator m) =>
        {
            var guest = await m.Send(new CreateGuest.Command(body.Name, body.Phone, body.Email, body.DateOfBirth));
            return TypedResults.Created($"/api/guests/{guest.Id}", guest);
        });

        group.MapGet("/{id:guid}", async (Guid id, IMediator m) => TypedResults.Ok(await m.Send(new GetGuest.Query(id))));

        group.MapPut("/{id:guid}", async (Guid id, GuestBody body, IMediator m) =>
            TypedResults.Ok(await m.Send(new UpdateGuest.Command(id, body.Name, body.Phone, body.Email, body.DateOfBirth))));

        group.MapPost("/{id:guid}/block", async (Guid id, HttpRequest http, IMediator m) =>
            TypedResults.Ok(await m.Send(new BlockGuest.Command(id, Block: true, (await OptionalCommentAsync(http))?.Comment))));

        group.MapPost("/{id:guid}/unblock", async (Guid id, HttpRequest http, IMediator m) =>
            TypedResults.Ok(await m.Send(new BlockGuest.Command(id, Block: false, (await OptionalCommentAsync(http))?.Comment))));

        return app;
    }

    /// <summary>
    /// The comment is optional and so is the body: a POST without one must reach the handler. An inferred
    /// <c>CommentBody?</c> body parameter answered body-less requests with 404 before the handler ran, so the body is read here.
    /// </summary>
    private static async Task<CommentBody?> OptionalCommentAsync(HttpRequest http) =>
        http.HasJsonContentType() && http.ContentLength != 0 ? await http.ReadFromJsonAsync<CommentBody>(http.HttpContext.RequestAborted) : null;
}
