using MediatR;
using TapRoom.Server.Features.Pours;

namespace TapRoom.Server.Jobs;

public sealed class LockTimeoutSweepJob(IMediator mediator, ILogger<LockTimeoutSweepJob> logger)
    : CommandJob<SweepLockTimeouts.Result>(mediator, logger)
{
    /// <summary>Adds the job to <see cref="JobRegistry"/> once per process, however many hosts are built.</summary>
    static LockTimeoutSweepJob() =>
        JobRegistry.Extra.Add((q, options) => JobsSetup.Every<LockTimeoutSweepJob>(q, options.Jobs.LockTimeoutSweepSeconds));

    public static void Register() { }

    protected override IRequest<SweepLockTimeouts.Result> CreateCommand() => new SweepLockTimeouts.Command();
}
