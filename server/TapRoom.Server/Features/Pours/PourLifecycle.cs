using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;

namespace TapRoom.Server.Features.Pours;

/// <summary>Where a pour is in its life. The first three are stored as <see cref="SyncStatus.PendingSync"/>.</summary>
public enum PourState
{
    /// <summary>Allowed; the controller has not reported any volume yet.</summary>
    Authorised,
    /// <summary>The controller reports progress.</summary>
    Pouring,
    /// <summary>No sign of life for longer than the lock timeout: still pending sync, its tap is processing_sync.</summary>
    TimedOut,
    /// <summary>The controller's completion was accepted and charged.</summary>
    Synced,
    /// <summary>A manager entered the volume and it was charged.</summary>
    Reconciled,
    /// <summary>After a reconcile, the controller's record arrived and agreed within tolerance. Never charged again.</summary>
    LateSyncMatched,
    /// <summary>After a reconcile, the controller's record arrived and disagreed: a review alert. Never charged again.</summary>
    LateSyncMismatch,
}

/// <summary>What happens to a pour.</summary>
public enum PourEvent { Progress, TimeOut, Complete, Reconcile, LateSyncMatch, LateSyncMismatch }

/// <summary>
/// The pour's state machine: the one place where a pour's state changes (rules 3 and 4, docs/RULES.md). Each transition
/// is a pure rule in <see cref="Next"/> and, beside it, the one conditional UPDATE that makes it on either database:
/// its WHERE clause is the transition's "from" states, so of two commands racing for the same pour exactly one sees a
/// row change; the other reads 0 and answers its rule's outcome (<c>duplicate</c>, <c>pour_not_pending</c>) without a
/// retry. The statements run under READ COMMITTED on PostgreSQL: the row lock and PostgreSQL's re-check of the WHERE
/// on the locked row are what make them atomic, not a SERIALIZABLE transaction.
/// </summary>
public static class PourLifecycle
{
    /// <summary>The state a stored pour is in.</summary>
    public static PourState StateOf(PourSession p) => StateOf(p.SyncStatus, p.TimedOutAt is not null, p.LastProgressAt is not null, p.LateSyncOutcome);

    public static PourState StateOf(SyncStatus status, bool timedOut, bool progressed, LateSyncOutcome? lateSync) => status switch
    {
        SyncStatus.PendingSync when timedOut => PourState.TimedOut,
        SyncStatus.PendingSync when progressed => PourState.Pouring,
        SyncStatus.PendingSync => PourState.Authorised,
        SyncStatus.Synced => PourState.Synced,
        SyncStatus.Reconciled => lateSync switch
        {
            LateSyncOutcome.LateSyncMatched => PourState.LateSyncMatched,
            LateSyncOutcome.LateSyncMismatch => PourState.LateSyncMismatch,
            _ => PourState.Reconciled,
        },
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    /// <summary>Still pending sync: holds (or held) its visit's lock and may still be charged.</summary>
    public static bool IsOpen(PourState s) => s is PourState.Authorised or PourState.Pouring or PourState.TimedOut;

    /// <summary>The state after <paramref name="e"/>, or null when the event does not apply to a pour in <paramref name="from"/>.</summary>
    public static PourState? Next(PourState from, PourEvent e) => (from, e) switch
    {
        (PourState.Authorised or PourState.Pouring, PourEvent.Progress) => PourState.Pouring,
        (PourState.Authorised or PourState.Pouring, PourEvent.TimeOut) => PourState.TimedOut,
        (PourState.Authorised or PourState.Pouring or PourState.TimedOut, PourEvent.Complete) => PourState.Synced,
        (PourState.Authorised or PourState.Pouring or PourState.TimedOut, PourEvent.Reconcile) => PourState.Reconciled,
        (PourState.Reconciled, PourEvent.LateSyncMatch) => PourState.LateSyncMatched,
        (PourState.Reconciled, PourEvent.LateSyncMismatch) => PourState.LateSyncMismatch,
        _ => null,
    };

    /// <summary>Authorise: a new pour, pending sync. Its visit's lock is taken by <see cref="VisitLock.TakeAsync"/> in the same transaction.</summary>
    public static PourSession Authorise(Guid id, Guid visitId, Guid tapId, Guid kegId, Guid controllerId, Guid requestId, string cardUid,
        int maxVolumeMl, decimal pricePerLiter, DateTime now) => new()
    {
        Id = id,
        VisitId = visitId,
        TapId = tapId,
        KegId = kegId,
        ControllerId = controllerId,
        RequestId = requestId,
        CardUid = cardUid,
        MaxVolumeMl = maxVolumeMl,
        PricePerLiter = pricePerLiter,
        AuthorizedAt = now,
        SyncStatus = SyncStatus.PendingSync,
    };

    /// <summary>
    /// Complete: an open pour → synced. True for the one completion that claimed it; it then settles the pour. The
    /// tracked <paramref name="session"/> is set to what the statement wrote, so saving it writes nothing more of its state.
    /// </summary>
    public static async Task<bool> CompleteAsync(TapRoomDbContext db, PourSession session, DateTime now, CancellationToken ct)
    {
        var claimed = await db.PourSessions
            .Where(p => p.Id == session.Id && p.SyncStatus == SyncStatus.PendingSync)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.SyncStatus, SyncStatus.Synced).SetProperty(p => p.SyncedAt, now), ct) == 1;
        if (claimed) (session.SyncStatus, session.SyncedAt) = (SyncStatus.Synced, now);
        return claimed;
    }

    /// <summary>
    /// Reconcile: an open pour → reconciled by a manager, keeping the last volume the controller reported (the
    /// database's or <paramref name="lastProgressMl"/> from memory, whichever is higher). True for the one reconcile that claimed it.
    /// </summary>
    public static async Task<bool> ReconcileAsync(TapRoomDbContext db, Guid id, string by, string comment, int lastProgressMl, DateTime now, CancellationToken ct) =>
        await db.PourSessions
            .Where(p => p.Id == id && p.SyncStatus == SyncStatus.PendingSync)
            .ExecuteUpdateAsync(s => s
                .SetProperty(p => p.SyncStatus, SyncStatus.Reconciled)
                .SetProperty(p => p.LastProgressMl, p => p.LastProgressMl > lastProgressMl ? p.LastProgressMl : lastProgressMl)
                .SetProperty(p => p.ReconciledAt, now)
                .SetProperty(p => p.ReconciledBy, by)
                .SetProperty(p => p.ReconcileComment, comment), ct) == 1;

    /// <summary>Late sync: a reconciled pour → matched or mismatch, once. Never charges.</summary>
    public static async Task<bool> LateSyncAsync(TapRoomDbContext db, Guid id, LateSyncOutcome outcome, int volumeMl, DateTime now, CancellationToken ct) =>
        await db.PourSessions
            .Where(p => p.Id == id && p.SyncStatus == SyncStatus.Reconciled && p.LateSyncOutcome == null)
            .ExecuteUpdateAsync(s => s
                .SetProperty(p => p.LateSyncOutcome, outcome)
                .SetProperty(p => p.LateSyncVolumeMl, volumeMl)
                .SetProperty(p => p.LateSyncAt, now), ct) == 1;

    /// <summary>Time out: an authorised or pouring pour → timed out, once, with the last progress known (the database's or memory's).</summary>
    public static async Task<bool> TimeOutAsync(TapRoomDbContext db, Guid id, int lastProgressMl, DateTime? lastProgressAt, DateTime now, CancellationToken ct) =>
        await db.PourSessions
            .Where(p => p.Id == id && p.SyncStatus == SyncStatus.PendingSync && p.TimedOutAt == null)
            .ExecuteUpdateAsync(s => s
                .SetProperty(p => p.TimedOutAt, now)
                .SetProperty(p => p.LastProgressMl, lastProgressMl)
                .SetProperty(p => p.LastProgressAt, lastProgressAt), ct) == 1;

    /// <summary>
    /// Progress, for a chunk of pours: the last volume of an open pour moves forward only (a late or repeated value never
    /// wins over a newer one and never touches a finished pour). Returns the pours the database still has open.
    /// <see cref="ProgressWriter"/> sends the chunks. On SQLite: two statements prepared once and run per pour on the
    /// group-commit connection (through EF every row cost a query-cache lookup and a fresh statement: PERFORMANCE.md).
    /// The values are written as EF writes them on SQLite: a Guid as upper-case text, a time as
    /// <c>yyyy-MM-dd HH:mm:ss.FFFFFFF</c> (UTC), an enum in snake case (ProgressWriterTests read them back through EF).
    /// </summary>
    public static async Task<IReadOnlySet<Guid>> ProgressOnSqliteAsync(SqliteConnection connection, SqliteTransaction transaction,
        IReadOnlyCollection<(Guid Id, int VolumeMl, DateTime At)> volumes)
    {
        await using var update = connection.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = """
            UPDATE "PourSessions" SET "LastProgressMl" = $ml, "LastProgressAt" = $at
            WHERE "Id" = $id AND "SyncStatus" = $pending AND "LastProgressMl" <= $ml
            """;
        var (uId, uMl, uAt) = (update.Parameters.Add("$id", SqliteType.Text), update.Parameters.Add("$ml", SqliteType.Integer), update.Parameters.Add("$at", SqliteType.Text));
        update.Parameters.AddWithValue("$pending", PendingSyncText);
        await using var check = connection.CreateCommand();
        check.Transaction = transaction;
        check.CommandText = """SELECT 1 FROM "PourSessions" WHERE "Id" = $id AND "SyncStatus" = $pending""";
        var cId = check.Parameters.Add("$id", SqliteType.Text);
        check.Parameters.AddWithValue("$pending", PendingSyncText);
        var pending = new HashSet<Guid>();
        foreach (var (id, volume, at) in volumes)
        {
            var key = id.ToString().ToUpperInvariant();
            (uId.Value, uMl.Value, uAt.Value) = (key, volume, DateTime.SpecifyKind(at, DateTimeKind.Utc).ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture));
            await update.ExecuteNonQueryAsync();
            cId.Value = key;
            if (await check.ExecuteScalarAsync() is not null) pending.Add(id);
        }
        return pending;
    }

    /// <summary>
    /// The same on PostgreSQL as one UPDATE for the whole chunk (the pours' ids, volumes and times as arrays) and one
    /// SELECT of those still open, in one round trip. READ COMMITTED: PostgreSQL re-checks the WHERE on each locked
    /// row, so a racing completion or another instance's flush never sees a volume move back.
    /// </summary>
    public static async Task<IReadOnlySet<Guid>> ProgressOnPostgresAsync(NpgsqlConnection connection,
        IReadOnlyCollection<(Guid Id, int VolumeMl, DateTime At)> volumes, CancellationToken ct)
    {
        var ids = new Guid[volumes.Count];
        var mls = new int[volumes.Count];
        var ats = new DateTime[volumes.Count];
        var i = 0;
        foreach (var (id, volume, at) in volumes) (ids[i], mls[i], ats[i++]) = (id, volume, DateTime.SpecifyKind(at, DateTimeKind.Utc));
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("""
                    UPDATE "PourSessions" AS p SET "LastProgressMl" = v.ml, "LastProgressAt" = v.at
                    FROM unnest($1::uuid[], $2::integer[], $3::timestamptz[]) AS v(id, ml, at)
                    WHERE p."Id" = v.id AND p."SyncStatus" = $4 AND p."LastProgressMl" <= v.ml
                    """) { Parameters = { new() { Value = ids }, new() { Value = mls }, new() { Value = ats }, new() { Value = PendingSyncText } } },
                new NpgsqlBatchCommand("""SELECT "Id" FROM "PourSessions" WHERE "Id" = ANY($1) AND "SyncStatus" = $2""")
                    { Parameters = { new() { Value = ids }, new() { Value = PendingSyncText } } },
            },
        };
        var pending = new HashSet<Guid>();
        await using var reader = await batch.ExecuteReaderAsync(ct);
        do
        {
            while (await reader.ReadAsync(ct)) pending.Add(reader.GetGuid(0));
        } while (await reader.NextResultAsync(ct));
        return pending;
    }

    /// <summary><see cref="SyncStatus.PendingSync"/> as both databases store it (snake case text).</summary>
    private static readonly string PendingSyncText = JsonNamingPolicy.SnakeCaseLower.ConvertName(nameof(SyncStatus.PendingSync));
}
