using MediatR;
using Quartz;
using TapRoom.Server.Features.Controllers;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Jobs;

/// <summary>
/// Quartz.NET hosted in the server (Hangfire is not available, see docs/adr/0001). Jobs keep no state of their own:
/// each is a thin shell that sends a MediatR command whose state lives in the database, so a restart loses nothing
/// and a job that runs twice changes nothing the second time.
/// </summary>
public static class JobsSetup
{
    public static IServiceCollection AddTapRoomJobs(this IServiceCollection services, TapRoomOptions options)
    {
        services.AddQuartz(options.SchedulerName, q =>
        {
            q.ConfigureScheduler(s =>
            {
                s.InstanceName = options.SchedulerName;
                s.InstanceId = options.SchedulerName;
            });
            // The scheduler fires on real time; what a job finds due is decided by the injected TimeProvider
            // (tests move that by hand), so Quartz must not pick the application's TimeProvider up.
            q.UseTimeProvider(TimeProvider.System);
            if (!options.Jobs.Enabled) return;
            Every<HeartbeatSweepJob>(q, options.Jobs.HeartbeatSweepSeconds);
            Every<LockTimeoutSweepJob>(q, options.Jobs.LockTimeoutSweepSeconds);
            Every<Features.Kegs.KegThresholdSweepJob>(q, options.Jobs.KegThresholdSweepSeconds);
            Every<PosOutboxJob>(q, options.Jobs.PosOutboxSeconds);
        });
        services.AddQuartzHostedService(options.SchedulerName, o => o.WaitForJobsToComplete = true);
        return services;
    }

    public static void Every<TJob>(IQuartzBuilder q, int seconds) where TJob : class, IJob
    {
        var interval = TimeSpan.FromSeconds(Math.Max(1, seconds));
        q.ScheduleJob<TJob>(
            t => t.WithIdentity(typeof(TJob).Name + ".trigger")
                .StartAt(DateTimeOffset.UtcNow.Add(interval))
                .WithSimpleSchedule(interval),
            j => j.WithIdentity(typeof(TJob).Name).DisallowConcurrentExecution());
    }
}

/// <summary>Base of every job: a fresh DI scope per run (Quartz provides it), the system as actor, one command.</summary>
public abstract class CommandJob<TResult>(IMediator mediator, ILogger logger) : IJob
{
    protected abstract IRequest<TResult> CreateCommand();

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await mediator.Send(CreateCommand(), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Job {Job} failed", GetType().Name);
        }
    }
}

public sealed class HeartbeatSweepJob(IMediator mediator, ILogger<HeartbeatSweepJob> logger)
    : CommandJob<SweepControllerHeartbeats.Result>(mediator, logger)
{
    protected override IRequest<SweepControllerHeartbeats.Result> CreateCommand() => new SweepControllerHeartbeats.Command();
}
