using MediatR;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Controllers;

public static class ListControllers
{
    public sealed record Query : IQuery<List<ControllerStatusDto>>;

    public sealed class Handler(TapRoomDbContext db) : IRequestHandler<Query, List<ControllerStatusDto>>
    {
        public Task<List<ControllerStatusDto>> Handle(Query request, CancellationToken cancellationToken) =>
            ReadModels.ControllersAsync(db, null, cancellationToken);
    }
}
