using MediatR;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Controllers;

public static class ListControllers
{
    public sealed record Query(Guid? LocationId = null) : IQuery<List<ControllerStatusDto>>;

    public sealed class Handler(TapRoomDbContext db, VenueAccess access) : IRequestHandler<Query, List<ControllerStatusDto>>
    {
        public async Task<List<ControllerStatusDto>> Handle(Query request, CancellationToken cancellationToken) =>
            await ReadModels.ControllersAsync(db, null, cancellationToken, await access.ScopeAsync(request.LocationId, cancellationToken));
    }
}
