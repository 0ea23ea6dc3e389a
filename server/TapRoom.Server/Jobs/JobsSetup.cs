using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.Storage;
using MediatR;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using TapRoom.Server.Data;
using TapRoom.Server.Features.Controllers;
using TapRoom.Server.Features.Kegs;
using TapRoom.Server.Features.Pos;
using TapRoom.Server.Features.Pours;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Jobs;

/// <summary>
/// Hangfire runs TapRoom's background jobs (docs/adr/0021). Jobs keep no state of their own: each is a thin shell that
/// sends a MediatR command whose state lives in TapRoom's database, so a restart loses nothing and a job that runs twice
/// changes nothing the second time. Nothing durable lives in Hangfire either: the recurring jobs are registered at start.
/// </summary>
public static class JobsSetup
{
    public const string DashboardPath = "/hangfire";

    /// <summary>The recurring jobs, by id (the id is what the dashboard shows and what <c>Trigger</c> takes).</summary>
    public static IReadOnlyList<RecurringJobDefinition> RecurringJobs(JobOptions jobs) =>
    [
        RecurringJobDefinition.For<HeartbeatSweepJob>("heartbeat-sweep", jobs.HeartbeatSweepSeconds),
        RecurringJobDefinition.For<LockTimeoutSweepJob>("lock-timeout-sweep", jobs.LockTimeoutSweepSeconds),
        RecurringJobDefinition.For<KegThresholdSweepJob>("keg-threshold-sweep", jobs.KegThresholdSweepSeconds),
        RecurringJobDefinition.For<PosOutboxJob>("pos-outbox", jobs.PosOutboxSeconds),
        RecurringJobDefinition.For<Features.Temperature.TemperatureSweepJob>("temperature-sweep", jobs.TemperatureSweepSeconds),
        RecurringJobDefinition.For<Features.Temperature.TemperatureDownsampleJob>("temperature-downsample", jobs.TemperatureDownsampleSeconds),
        RecurringJobDefinition.For<Features.Yield.ReorderSweepJob>("reorder-sweep", jobs.ReorderSweepSeconds),
    ];

    public static IServiceCollection AddTapRoomJobs(this IServiceCollection services, TapRoomOptions options)
    {
        services.AddTapRoomJobStorage(options.Jobs);
        // Hangfire's defaults are process-wide (JobStorage.Current, JobActivator.Current); registering our own first
        // keeps every host on its own storage and DI container (AddHangfire only TryAdds these).
        services.TryAddSingleton<JobActivator>(sp => new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire(c => c
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            // Hangfire's log provider is process-wide too: the static Serilog logger (the app's logger once Program's
            // bootstrap logger is reconfigured), not the ILoggerFactory of whichever host configured Hangfire last.
            .UseSerilogLogProvider());
        services.AddAntiforgery(); // the dashboard protects its buttons (trigger, delete) with it when it is registered
        services.AddHostedService<RecurringJobsRegistration>();
        if (options.Jobs.Enabled)
        {
            services.AddHangfireServer((_, o) =>
            {
                o.WorkerCount = Math.Max(1, options.Jobs.Workers);
                o.SchedulePollingInterval = SchedulePollingInterval(options.Jobs);
            });
        }
        return services;
    }

    /// <summary>
    /// The storage seam: <c>TapRoom:Jobs:Storage</c> picks it (docs/adr/0056-hangfire-on-postgresql.md). <c>Auto</c> (the
    /// default): PostgreSQL storage when the database is PostgreSQL, else in memory. <c>InMemory</c>: the single box,
    /// nothing of Hangfire's survives a restart (nothing needs to). <c>PostgreSql</c>: Hangfire's tables in the schema
    /// <c>TapRoom:Jobs:Schema</c> of TapRoom's own PostgreSQL database, shared by every instance: each occurrence of a
    /// recurring job is enqueued once (Hangfire's scheduler takes a distributed lock) and fetched by one worker.
    /// </summary>
    public static IServiceCollection AddTapRoomJobStorage(this IServiceCollection services, JobOptions jobs)
    {
        services.TryAddSingleton<JobStorage>(sp =>
        {
            var database = sp.GetRequiredService<TapRoomDatabase>();
            return StorageKind(jobs, database) switch
            {
                InMemoryStorageName => new InMemoryStorage(new InMemoryStorageOptions
                {
                    // Finished runs of the recurring jobs are kept for the dashboard for an hour, not a day.
                    MaxExpirationTime = TimeSpan.FromHours(1),
                }),
                PostgreSqlStorageName => PostgreSqlStorageFor(database, jobs),
                _ => throw new InvalidOperationException(
                    $"TapRoom:Jobs:Storage '{jobs.Storage}' is not known; the storages are: Auto, InMemory, PostgreSql."),
            };
        });
        services.AddHealthChecks().AddCheck<JobStorageHealthCheck>("jobs", tags: ["ready"]);
        return services;
    }

    public const string InMemoryStorageName = "inmemory";
    public const string PostgreSqlStorageName = "postgresql";

    /// <summary>The storage <c>TapRoom:Jobs:Storage</c> asks for, <c>Auto</c> resolved by the database provider.</summary>
    public static string StorageKind(JobOptions jobs, TapRoomDatabase database) => (jobs.Storage ?? "").Trim().ToLowerInvariant() switch
    {
        "" or "auto" => database.IsPostgres ? PostgreSqlStorageName : InMemoryStorageName,
        "postgres" => PostgreSqlStorageName,
        var other => other,
    };

    private static PostgreSqlStorage PostgreSqlStorageFor(TapRoomDatabase database, JobOptions jobs)
    {
        if (!database.IsPostgres)
            throw new InvalidOperationException("TapRoom:Jobs:Storage is PostgreSql but TapRoom:Database:Provider is not postgres.");
        var options = new PostgreSqlStorageOptions
        {
            SchemaName = string.IsNullOrWhiteSpace(jobs.Schema) ? "hangfire" : jobs.Schema.Trim(),
            // Created or upgraded when the storage is first built: at start, under TapRoom's migration lock
            // (DatabaseSetup.InitializeDatabaseAsync), so two instances starting at once do not both install it.
            PrepareSchemaIfNecessary = true,
            // Workers look for an enqueued job as often as the most frequent job runs (Hangfire.PostgreSql's default is 15 s).
            QueuePollInterval = SchedulePollingInterval(jobs),
            // A lock left by an instance that died holding it (a job's "previous run still going" lock, the scheduler's
            // lock) is taken over after this long, instead of the default 10 minutes. The jobs run for seconds.
            DistributedLockTimeout = TimeSpan.FromMinutes(2),
            // A job fetched by an instance that died is handed to another worker after this long (default 30 minutes);
            // a job running longer than this would be fetched again, and then skips on its own lock (CommandJob).
            InvisibilityTimeout = TimeSpan.FromMinutes(5),
        };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(database.ConnectionString, options), options);
    }

    /// <summary>How often Hangfire looks for a due recurring job: as often as the most frequent job runs (at least every
    /// second, at most every 15 s, Hangfire's default). A 6-field cron fires late by up to this interval.</summary>
    public static TimeSpan SchedulePollingInterval(JobOptions jobs)
    {
        var seconds = new[] { jobs.HeartbeatSweepSeconds, jobs.LockTimeoutSweepSeconds, jobs.KegThresholdSweepSeconds, jobs.PosOutboxSeconds }
            .Where(s => s > 0).DefaultIfEmpty(15).Min();
        return TimeSpan.FromSeconds(Math.Clamp(seconds, 1, 15));
    }

    /// <summary>
    /// A cron expression for "every N seconds": 6 fields (seconds first) below a minute, which Hangfire supports since 1.7.
    /// N should divide 60 (5, 10, 15, 30) or a minute count divide 60, else the last gap of each minute/hour is shorter.
    /// 0 or less: never on a schedule (the job can still be triggered, from the dashboard or by a test).
    /// </summary>
    public static string CronEvery(int seconds)
    {
        if (seconds <= 0) return Cron.Never();
        if (seconds < 60) return $"*/{seconds} * * * * *";
        var minutes = seconds / 60;
        if (minutes < 60) return $"0 */{minutes} * * * *";
        return $"0 0 */{Math.Min(minutes / 60, 23)} * * *";
    }

    public static IEndpointConventionBuilder MapTapRoomJobsDashboard(this IEndpointRouteBuilder endpoints) =>
        // The policy replaces Hangfire's default LocalRequestsOnly filter: signed out → 401, staff or manager → 403.
        endpoints.MapHangfireDashboardWithAuthorizationPolicy(Policies.Admin, DashboardPath, new DashboardOptions
        {
            AppPath = "/",
            DashboardTitle = "TapRoom jobs",
            DisplayStorageConnectionString = false,
        });
}

public sealed record RecurringJobDefinition(string Id, int Seconds, Action<IRecurringJobManager, string, string> AddOrUpdate)
{
    public static RecurringJobDefinition For<TJob>(string id, int seconds) where TJob : ICommandJob =>
        new(id, seconds, (manager, jobId, cron) => manager.AddOrUpdate<TJob>(
            jobId, job => job.RunAsync(CancellationToken.None), cron, new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc }));
}

/// <summary>Registers the recurring jobs when the server starts (or removes them when jobs are turned off).</summary>
internal sealed class RecurringJobsRegistration(IRecurringJobManager manager, IOptions<TapRoomOptions> options, ILogger<RecurringJobsRegistration> log)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var jobs = options.Value.Jobs;
        foreach (var job in JobsSetup.RecurringJobs(jobs))
        {
            if (!jobs.Enabled) { manager.RemoveIfExists(job.Id); continue; }
            var cron = JobsSetup.CronEvery(job.Seconds);
            job.AddOrUpdate(manager, job.Id, cron);
            log.LogDebug("Recurring job {JobId} scheduled as {Cron}", job.Id, cron);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

public interface ICommandJob
{
    Task RunAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Base of every job: Hangfire gives it a fresh DI scope per run (the system is the actor there), it sends one command.
/// Hangfire does not retry a failed run (the next run is the retry: what is due is read from the database). A run that
/// finds the previous one still going skips, through Hangfire's storage lock (so it holds across instances too).
/// </summary>
public abstract class CommandJob<TResult>(IMediator mediator, JobStorage storage, ILogger logger) : ICommandJob
{
    protected abstract IRequest<TResult> CreateCommand();

    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var name = GetType().Name;
        using var connection = storage.GetConnection();
        IDisposable held;
        try
        {
            held = connection.AcquireDistributedLock("taproom:job:" + name, TimeSpan.Zero);
        }
        catch (Exception ex) when (ex is DistributedLockTimeoutException or PostgreSqlDistributedLockException)
        {
            logger.LogDebug("Job {Job} skipped: its previous run is still going", name);
            return;
        }
        using (held)
        {
            try
            {
                await mediator.Send(CreateCommand(), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // A stop mid-run: each command commits in its own transactions, the next start finds what is left to do.
                logger.LogInformation("Job {Job} interrupted by shutdown; the next run picks up what is still due", name);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Job {Job} failed", name);
                throw;
            }
        }
    }
}

public sealed class HeartbeatSweepJob(IMediator mediator, JobStorage storage, ILogger<HeartbeatSweepJob> logger)
    : CommandJob<SweepControllerHeartbeats.Result>(mediator, storage, logger)
{
    protected override IRequest<SweepControllerHeartbeats.Result> CreateCommand() => new SweepControllerHeartbeats.Command();
}

public sealed class LockTimeoutSweepJob(IMediator mediator, JobStorage storage, ILogger<LockTimeoutSweepJob> logger)
    : CommandJob<SweepLockTimeouts.Result>(mediator, storage, logger)
{
    protected override IRequest<SweepLockTimeouts.Result> CreateCommand() => new SweepLockTimeouts.Command();
}

/// <summary>
/// Delivers due POS outbox entries. A stop cancels a delivery in flight: an entry cut off this way has no recorded result
/// and is delivered again, with the same idempotency key, after its lease.
/// </summary>
public sealed class PosOutboxJob(IMediator mediator, JobStorage storage, ILogger<PosOutboxJob> logger)
    : CommandJob<DeliverPosOutbox.Result>(mediator, storage, logger)
{
    protected override IRequest<DeliverPosOutbox.Result> CreateCommand() => new DeliverPosOutbox.Command();
}

/// <summary>Ready when Hangfire's storage answers (PostgreSQL: a query on its tables; in memory: always).</summary>
public sealed class JobStorageHealthCheck(JobStorage storage) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            var recurring = await Task.Run(() =>
            {
                using var connection = storage.GetConnection();
                return connection.GetAllItemsFromSet("recurring-jobs").Count;
            }, ct);
            return HealthCheckResult.Healthy($"{storage.GetType().Name}, {recurring} recurring job(s)");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"{storage.GetType().Name} unreachable: {ex.GetType().Name}");
        }
    }
}
