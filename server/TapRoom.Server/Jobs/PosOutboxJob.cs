using MediatR;
using Quartz;
using TapRoom.Server.Features.Pos;

namespace TapRoom.Server.Jobs;

/// <summary>
/// Delivers due POS outbox entries every <c>TapRoom:Jobs:PosOutboxSeconds</c>. Unlike other jobs it stops with the server:
/// Quartz waits for running jobs, and a till that does not answer would hold the shutdown for the whole timeout. An entry
/// cut off this way has no recorded result and is delivered again, with the same idempotency key, after its lease.
/// </summary>
public sealed class PosOutboxJob(IMediator mediator, IHostApplicationLifetime lifetime, ILogger<PosOutboxJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        try
        {
            await mediator.Send(new DeliverPosOutbox.Command(), stopping.Token);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            logger.LogInformation("POS delivery interrupted by shutdown; the entry in flight is delivered again after its lease");
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Job {Job} failed", nameof(PosOutboxJob));
        }
    }
}
