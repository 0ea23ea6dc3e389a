using MediatR;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Audit;

public static class AuditEndpoints
{
    public static IEndpointRouteBuilder MapAuditEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/audit").WithTags("Audit").RequireAuthorization(Policies.Manager)
            .MapGet("/", async (string? subject, Guid? subjectId, string? action, DateTime? from, DateTime? to, int? limit, Guid? locationId, IMediator m) =>
                TypedResults.Ok(await m.Send(new QueryAudit.Query(subject, subjectId, action, from, to, limit, locationId))));
        return app;
    }
}
