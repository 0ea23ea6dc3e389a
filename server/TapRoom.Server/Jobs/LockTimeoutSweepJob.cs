using MediatR;
using TapRoom.Server.Features.Pours;

namespace TapRoom.Server.Jobs;

public sealed class LockTimeoutSweepJob(IMediator mediator, ILogger<LockTimeoutSweepJob> logger)
    : CommandJob<SweepLockTimeouts.Result>(mediator, logger)
{
    protected override IRequest<SweepLockTimeouts.Result> CreateCommand() => new SweepLockTimeouts.Command();
}
