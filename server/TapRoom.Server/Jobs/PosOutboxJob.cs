using MediatR;
using TapRoom.Server.Features.Pos;

namespace TapRoom.Server.Jobs;

/// <summary>Delivers due POS outbox entries every <c>TapRoom:Jobs:PosOutboxSeconds</c>.</summary>
public sealed class PosOutboxJob(IMediator mediator, ILogger<PosOutboxJob> logger) : CommandJob<DeliverPosOutbox.Result>(mediator, logger)
{
    protected override IRequest<DeliverPosOutbox.Result> CreateCommand() => new DeliverPosOutbox.Command();
}
