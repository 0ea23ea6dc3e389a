using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;

namespace TapRoom.Server.Features.Pours;

/// <summary>
/// The open pours (sessions still <c>pending_sync</c>) in memory, so that progress (4 a second per pour) never reads or
/// writes the database on its way in (ADR 0035). It is a cache of the database, never the truth:
/// <list type="bullet">
/// <item>filled from the database at start-up and on a miss (a session it does not know is looked up once);</item>
/// <item>a pour is added by <see cref="AuthorizePour"/> and removed when it is completed or reconciled;</item>
/// <item>the last volume of each pour is written in the background, at most once every <see cref="FlushInterval"/>,
///   in group-committed transactions of up to <see cref="FlushChunk"/> pours (<see cref="ProgressWriter"/>), each UPDATE conditional on the
///   session still being pending and only moving forward; a pour the database no longer has open is dropped.</item>
/// </list>
/// What a power cut or SIGKILL can lose is at most the last two seconds of a pour's progress <em>display</em> value; the
/// pour itself, its lock and its charge are decided by the controller's completion, as before.
/// </summary>
public sealed class OpenPours(IServiceScopeFactory scopes, ProgressWriter writer, ILogger<OpenPours> log) : BackgroundService
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(2);

    /// <summary>Pours per write transaction, so that a command queued meanwhile waits for one chunk, not for all.</summary>
    public const int FlushChunk = 100;

    public sealed class Entry(Guid controllerId, Guid tapId, Guid visitId, int lastProgressMl, DateTime? lastProgressAt)
    {
        public Guid ControllerId { get; } = controllerId;
        public Guid TapId { get; } = tapId;
        public Guid VisitId { get; } = visitId;
        public int LastProgressMl { get; internal set; } = lastProgressMl;
        public DateTime? LastProgressAt { get; internal set; } = lastProgressAt;
        internal bool Dirty;
    }

    public enum Outcome { Accepted, Unknown, NotYours, Backwards }

    private readonly ConcurrentDictionary<Guid, Entry> _open = new();

    /// <summary>A copy of the table: session id → (tap, visit, last volume), for tests and diagnostics.</summary>
    public IReadOnlyDictionary<Guid, (Guid ControllerId, Guid TapId, Guid VisitId, int LastProgressMl)> Snapshot() =>
        _open.ToDictionary(kv => kv.Key, kv => (kv.Value.ControllerId, kv.Value.TapId, kv.Value.VisitId, kv.Value.LastProgressMl));

    public void Add(Guid sessionId, Guid controllerId, Guid tapId, Guid visitId) =>
        _open.TryAdd(sessionId, new Entry(controllerId, tapId, visitId, 0, null));

    public void Remove(Guid sessionId) => _open.TryRemove(sessionId, out _);

    public Entry? Find(Guid sessionId) => _open.GetValueOrDefault(sessionId);

    /// <summary>
    /// A progress report: accepted (the volume moved forward, to be written in the background) or why not. Reads the
    /// database only for a session the table does not know.
    /// </summary>
    public async Task<(Outcome Outcome, Entry? Pour)> ReportAsync(Guid controllerId, Guid sessionId, int volumeMl, DateTime at, CancellationToken ct)
    {
        var entry = _open.GetValueOrDefault(sessionId) ?? await LoadAsync(sessionId, ct);
        if (entry is null) return (Outcome.Unknown, null);
        if (entry.ControllerId != controllerId) return (Outcome.NotYours, entry);
        lock (entry)
        {
            if (volumeMl < entry.LastProgressMl) return (Outcome.Backwards, entry);
            entry.LastProgressMl = volumeMl;
            entry.LastProgressAt = at;
            entry.Dirty = true;
        }
        return (Outcome.Accepted, entry);
    }

    private async Task<Entry?> LoadAsync(Guid sessionId, CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TapRoomDbContext>();
        var s = await db.PourSessions.AsNoTracking()
            .Where(p => p.Id == sessionId && p.SyncStatus == SyncStatus.PendingSync)
            .Select(p => new { p.ControllerId, p.TapId, p.VisitId, p.LastProgressMl, p.LastProgressAt })
            .FirstOrDefaultAsync(ct);
        return s is null ? null : _open.GetOrAdd(sessionId, _ => new Entry(s.ControllerId, s.TapId, s.VisitId, s.LastProgressMl, s.LastProgressAt));
    }

    /// <summary>Every pending pour of the database, as at start-up.</summary>
    public async Task LoadAllAsync(CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TapRoomDbContext>();
        var open = await db.PourSessions.AsNoTracking().Where(p => p.SyncStatus == SyncStatus.PendingSync)
            .Select(p => new { p.Id, p.ControllerId, p.TapId, p.VisitId, p.LastProgressMl, p.LastProgressAt })
            .ToListAsync(ct);
        foreach (var s in open) _open.TryAdd(s.Id, new Entry(s.ControllerId, s.TapId, s.VisitId, s.LastProgressMl, s.LastProgressAt));
        log.LogInformation("{Count} open pours loaded", open.Count);
    }

    /// <summary>Writes every changed volume now (what the background loop does every <see cref="FlushInterval"/>).</summary>
    public async Task FlushAsync()
    {
        var dirty = new List<(Guid Id, int VolumeMl, DateTime At)>();
        foreach (var (id, entry) in _open)
        {
            lock (entry)
            {
                if (!entry.Dirty) continue;
                entry.Dirty = false;
                dirty.Add((id, entry.LastProgressMl, entry.LastProgressAt!.Value));
            }
        }
        if (dirty.Count == 0) return;
        var stillOpen = new HashSet<Guid>();
        try
        {
            foreach (var chunk in dirty.Chunk(FlushChunk)) stillOpen.UnionWith(await writer.WriteManyAsync(chunk));
        }
        catch
        {
            foreach (var (id, _, _) in dirty)
                if (_open.TryGetValue(id, out var entry)) lock (entry) entry.Dirty = true;
            throw;
        }
        foreach (var (id, _, _) in dirty)
            if (!stillOpen.Contains(id)) _open.TryRemove(id, out _);
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await LoadAllAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try { await FlushAsync(); }
                catch (Exception ex) when (ex is not OperationCanceledException) { log.LogWarning(ex, "Writing pour progress failed; retried at the next tick"); }
            }
        }
        catch (OperationCanceledException) { }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try { await FlushAsync(); }
        catch (Exception ex) { log.LogWarning(ex, "Writing pour progress at shutdown failed"); }
    }
}
