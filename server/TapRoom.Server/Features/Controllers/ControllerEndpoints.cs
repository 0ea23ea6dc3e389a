using MediatR;
using TapRoom.Contracts;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Controllers;

public static class ControllerEndpoints
{
    public static IEndpointRouteBuilder MapControllerEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/controllers").WithTags("Controllers").WithVenueOf(VenueKind.Controller);
        group.MapGet("/", async (Guid? locationId, IMediator m) => TypedResults.Ok(await m.Send(new ListControllers.Query(locationId)))).RequireAuthorization(Policies.Staff);
        group.MapPost("/", async (RegisterController.Command body, IMediator m) =>
        {
            var result = await m.Send(body);
            return TypedResults.Created($"/api/controllers/{result.Id}", result);
        }).RequireAuthorization(Policies.Admin);
        group.MapPost("/{id:guid}/revoke", async (Guid id, IMediator m) => TypedResults.Ok(await m.Send(new RevokeController.Command(id))))
            .RequireAuthorization(Policies.Admin);
        group.MapPost("/pairing", async (StartPairingRequest body, HttpContext http, IMediator m) =>
            {
                var started = await m.Send(new StartPairing.Command(body.AgentVersion, body.HardwareId, http.Connection.RemoteIpAddress?.ToString()));
                return TypedResults.Created($"/api/controllers/pairing/{started.PairingId}", started);
            })
            .AllowAnonymous().RequireRateLimiting(Policies.PairingStartRateLimit).WithMetadata(PairingOverallLimit.Instance);
        group.MapGet("/pairing/{pairingId:guid}", async (Guid pairingId, string? pollToken, IMediator m) =>
                TypedResults.Ok(await m.Send(new PollPairing.Command(pairingId, pollToken ?? ""))))
            .AllowAnonymous().RequireRateLimiting(Policies.PairingPollRateLimit);
        group.MapPost("/adopt", async (AdoptController.Command body, IMediator m) =>
            {
                var result = await m.Send(body);
                return TypedResults.Created($"/api/controllers/{result.Id}", result);
            })
            .RequireAuthorization(Policies.Admin).RequireRateLimiting(Policies.PairingAdoptRateLimit).WithMetadata(PairingOverallLimit.Instance);
        return app;
    }
}
