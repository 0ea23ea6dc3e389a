using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Pours;

/// <summary>
/// Group commit for pours' last known volume. Each caller waits until its value is committed (as a direct write would),
/// but every value that arrives while one transaction is being written goes into the next one together: under load
/// hundreds of pours share one transaction and one fsync instead of each paying for its own behind the
/// <see cref="WriteGate"/> (docs/PERFORMANCE.md). Each UPDATE only moves a still pending pour forward.
/// </summary>
public sealed class ProgressWriter(IServiceScopeFactory scopes, WriteGate gate)
{
    private readonly object _lock = new();
    private Dictionary<Guid, (int VolumeMl, DateTime At)> _pending = [];
    private TaskCompletionSource? _next;
    private bool _writing;

    public Task WriteAsync(Guid pourSessionId, int volumeMl, DateTime at)
    {
        lock (_lock)
        {
            if (!_pending.TryGetValue(pourSessionId, out var queued) || queued.VolumeMl <= volumeMl)
                _pending[pourSessionId] = (volumeMl, at);
            _next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var committed = _next.Task;
            if (!_writing)
            {
                _writing = true;
                _ = Task.Run(WriteLoopAsync);
            }
            return committed;
        }
    }

    private async Task WriteLoopAsync()
    {
        while (true)
        {
            Dictionary<Guid, (int VolumeMl, DateTime At)> batch;
            TaskCompletionSource done;
            lock (_lock)
            {
                if (_pending.Count == 0)
                {
                    _writing = false;
                    return;
                }
                (batch, _pending) = (_pending, []);
                (done, _next) = (_next!, null);
            }
            try
            {
                await WriteBatchAsync(batch);
                done.SetResult();
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        }
    }

    private async Task WriteBatchAsync(Dictionary<Guid, (int VolumeMl, DateTime At)> batch)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TapRoomDbContext>();
        using var _ = await gate.EnterAsync(CancellationToken.None);
        await using var tx = await db.Database.BeginTransactionAsync();
        foreach (var (id, (volume, at)) in batch)
        {
            await db.PourSessions
                .Where(p => p.Id == id && p.SyncStatus == SyncStatus.PendingSync && p.LastProgressMl <= volume)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.LastProgressMl, volume).SetProperty(p => p.LastProgressAt, at));
        }
        await tx.CommitAsync();
    }
}
