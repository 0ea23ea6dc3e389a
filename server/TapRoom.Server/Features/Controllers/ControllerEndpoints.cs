using MediatR;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Controllers;

public static class ControllerEndpoints
{
    public static IEndpointRouteBuilder MapControllerEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/controllers").WithTags("Controllers");
        group.MapGet("/", async (IMediator m) => TypedResults.Ok(await m.Send(new ListControllers.Query()))).RequireAuthorization(Policies.Staff);
        group.MapPost("/", async (RegisterController.Command body, IMediator m) =>
        {
            var result = await m.Send(body);
            return TypedResults.Created($"/api/controllers/{result.Id}", result);
        }).RequireAuthorization(Policies.Admin);
        group.MapPost("/{id:guid}/revoke", async (Guid id, IMediator m) => TypedResults.Ok(await m.Send(new RevokeController.Command(id))))
            .RequireAuthorization(Policies.Admin);
        return app;
    }
}
