using System.Data.Common;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace TapRoom.Server.Infrastructure;

/// <summary>
/// Group commit for commands (ADR 0034). SQLite has one writer and, with <c>synchronous=FULL</c>, pays one fsync per
/// commit. Commands queue here; the writer takes every queued command (up to <see cref="MaxBatch"/>), runs them one
/// after the other inside ONE transaction on its own connection, each inside its own SAVEPOINT, and commits once:
/// <list type="bullet">
/// <item>a command that throws is rolled back to its savepoint (all of it, nothing else) and gets its exception;</item>
/// <item>its neighbours stay in the transaction and commit;</item>
/// <item>nobody is answered before the COMMIT returned, so an acknowledged command is as durable as before.</item>
/// </list>
/// If the COMMIT itself fails, every command of the batch fails. The batch holds the <see cref="WriteGate"/>, so the
/// other writers of this process (migrations, tests' direct writes) still queue behind it.
/// </summary>
public sealed class CommitBatcher : IAsyncDisposable
{
    public const int MaxBatch = 128;

    private readonly Channel<WorkItem> _queue = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly string _connectionString;
    private readonly WriteGate _gate;
    private readonly ILogger<CommitBatcher> _log;
    private readonly Task _loop;
    private SqliteConnection? _connection;
    private long _batches, _commands;
    private int _queued;

    // Where the single writer's time goes (the meter TapRoom: /metrics, dotnet-counters): commands per batch, the time
    // from BEGIN to the last command, and the COMMIT (with synchronous=FULL, the fsync of the WAL).
    private static readonly Meter Meter = new(TapRoomMetrics.MeterName);
    private static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("taproom.commit.batch.size", "{command}", "Commands committed together in one SQLite transaction.");
    private static readonly Histogram<double> BatchWork = Meter.CreateHistogram<double>("taproom.commit.batch.work", "s", "Time from BEGIN to the end of a batch's last command.");
    private static readonly Histogram<double> BatchCommit = Meter.CreateHistogram<double>("taproom.commit.batch.commit", "s", "Time the COMMIT of a batch took.");
    private static readonly Histogram<double> CommandWork = Meter.CreateHistogram<double>("taproom.commit.command.work", "s", "Time one command held the writer inside its batch, by kind.");

    public CommitBatcher(IOptions<TapRoomOptions> options, WriteGate gate, ILogger<CommitBatcher> log)
    {
        _connectionString = Data.DatabaseSetup.ConnectionString(options.Value.DatabasePath);
        _gate = gate;
        _log = log;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Commands waiting for the next batch.</summary>
    public int QueueLength => Volatile.Read(ref _queued);

    /// <summary>Batches committed so far and commands in them (for tests and the load driver's profile).</summary>
    public (long Batches, long Commands) Counts => (Interlocked.Read(ref _batches), Interlocked.Read(ref _commands));

    /// <summary>
    /// Runs <paramref name="work"/> inside the next shared transaction and returns once that transaction committed.
    /// The work gets the shared connection and transaction; it must not start its own transaction.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work, string kind = "other")
    {
        var item = new WorkItem<T>(work, kind);
        Interlocked.Increment(ref _queued);
        if (!_queue.Writer.TryWrite(item))
        {
            Interlocked.Decrement(ref _queued);
            throw new ObjectDisposedException(nameof(CommitBatcher));
        }
        // Not cancelled while queued: once queued, a command's outcome is decided by its batch, and its caller hears it.
        return await item.Result.Task;
    }

    /// <summary>
    /// Runs <paramref name="work"/> with <paramref name="db"/> enlisted in the shared transaction: the context uses the
    /// writer's connection only while the work runs and gets its own connection back before it returns.
    /// </summary>
    /// <remarks>
    /// Group commit is for SQLite's single writer. On PostgreSQL (several writers, SERIALIZABLE transactions retried by
    /// <c>ConcurrencyRetryBehavior</c>) the work runs in a transaction of its own on the context's own connection.
    /// </remarks>
    public Task<T> RunAsync<T>(DbContext db, Func<Task<T>> work, string kind = "other") =>
        db.Database.IsSqlite() ? RunSharedAsync(db, work, kind) : RunAloneAsync(db, work);

    private static async Task<T> RunAloneAsync<T>(DbContext db, Func<Task<T>> work)
    {
        await using var transaction = await db.Database.BeginTransactionAsync();
        var result = await work();
        await transaction.CommitAsync();
        return result;
    }

    private Task<T> RunSharedAsync<T>(DbContext db, Func<Task<T>> work, string kind) =>
        RunAsync(async (connection, transaction) =>
        {
            var connectionString = db.Database.GetConnectionString();
            db.Database.SetDbConnection(connection, contextOwnsConnection: false);
            try
            {
                await db.Database.UseTransactionAsync(transaction);
                return await work();
            }
            finally
            {
                await db.Database.UseTransactionAsync(null);
                db.Database.SetDbConnection(null, contextOwnsConnection: false);
                db.Database.SetConnectionString(connectionString);
            }
        }, kind);

    private async Task LoopAsync()
    {
        var batch = new List<WorkItem>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            // Everything queued while the previous batch (or another writer) held the gate goes into this batch.
            using var _ = await _gate.EnterAsync(CancellationToken.None);
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item)) batch.Add(item);
            Interlocked.Add(ref _queued, -batch.Count);
            if (batch.Count == 0) continue;
            await RunBatchAsync(batch);
        }
    }

    private async Task RunBatchAsync(List<WorkItem> batch)
    {
        var outcomes = new Exception?[batch.Count];
        var started = Stopwatch.GetTimestamp();
        try
        {
            _connection ??= await OpenAsync();
            // Microsoft.Data.Sqlite begins IMMEDIATE transactions: the write lock is held from the start.
            await using var tx = (SqliteTransaction)await _connection.BeginTransactionAsync();
            for (var i = 0; i < batch.Count; i++)
            {
                var savepoint = $"cmd{i}";
                await tx.SaveAsync(savepoint);
                var commandStarted = Stopwatch.GetTimestamp();
                try
                {
                    await batch[i].RunAsync(_connection, tx);
                    await tx.ReleaseAsync(savepoint);
                    CommandWork.Record(Stopwatch.GetElapsedTime(commandStarted).TotalSeconds, new KeyValuePair<string, object?>("kind", batch[i].Kind));
                }
                catch (Exception ex)
                {
                    outcomes[i] = ex;
                    await tx.RollbackAsync(savepoint);
                    await tx.ReleaseAsync(savepoint);
                }
            }
            var worked = Stopwatch.GetTimestamp();
            await tx.CommitAsync();
            BatchSize.Record(batch.Count);
            BatchWork.Record(Stopwatch.GetElapsedTime(started, worked).TotalSeconds);
            BatchCommit.Record(Stopwatch.GetElapsedTime(worked).TotalSeconds);
        }
        catch (Exception ex)
        {
            // BEGIN or COMMIT failed: nothing of this batch is stored. Start over on a fresh connection.
            _log.LogError(ex, "A batch of {Count} commands could not be committed", batch.Count);
            if (_owner is not null) await _owner.DisposeAsync();
            (_owner, _connection) = (null, null);
            foreach (var item in batch) item.Fail(ex);
            return;
        }
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _commands, batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            if (outcomes[i] is { } failed) batch[i].Fail(failed);
            else batch[i].Succeed();
        }
    }

    /// <summary>
    /// The writer's connection is opened by EF Core, so that it carries what EF Core registers on the SQLite connections
    /// it opens (the functions its SQL calls for decimal comparison and arithmetic, as in <c>Balance &gt;= @amount</c>).
    /// </summary>
    private async Task<SqliteConnection> OpenAsync()
    {
        _owner = new Data.TapRoomDbContext(new DbContextOptionsBuilder<Data.TapRoomDbContext>().UseSqlite(_connectionString).Options);
        await _owner.Database.OpenConnectionAsync();
        return (SqliteConnection)_owner.Database.GetDbConnection();
    }

    private Data.TapRoomDbContext? _owner;

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { });
        if (_owner is not null) await _owner.DisposeAsync();
    }

    private abstract class WorkItem(string kind)
    {
        public string Kind { get; } = kind;

        public abstract Task RunAsync(SqliteConnection connection, SqliteTransaction transaction);
        public abstract void Succeed();
        public abstract void Fail(Exception ex);
    }

    private sealed class WorkItem<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work, string kind) : WorkItem(kind)
    {
        private T _value = default!;
        public TaskCompletionSource<T> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task RunAsync(SqliteConnection connection, SqliteTransaction transaction) =>
            _value = await work(connection, transaction);

        public override void Succeed() => Result.TrySetResult(_value);

        public override void Fail(Exception ex) => Result.TrySetException(ex);
    }
}
