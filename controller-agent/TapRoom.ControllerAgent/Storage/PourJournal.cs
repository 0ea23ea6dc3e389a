using System.Globalization;
using Microsoft.Data.Sqlite;
using TapRoom.Contracts;

namespace TapRoom.ControllerAgent.Storage;

public enum JournalState { Open, Finished, Dead }

public sealed record JournalEntry(
    long Sequence,
    Guid PourSessionId,
    Guid TapId,
    int MaxVolumeMl,
    int PulsesPerLiter,
    DateTime StartedAt,
    int VolumeMl,
    long Pulses,
    DateTime? CheckpointAt,
    DateTime? EndedAt,
    string? EndReason,
    JournalState State,
    int Attempts,
    DateTime? NextAttemptAt,
    string? LastError)
{
    public CompletePourRequest ToCompleteRequest() => new(PourSessionId, TapId, VolumeMl, StartedAt, EndedAt ?? CheckpointAt ?? StartedAt);
}

/// <summary>
/// The durable record of every pour session on this controller (SQLite, WAL, synchronous=FULL: a write that returned
/// survives a power cut). A session is written before its valve opens, checkpointed while pouring, finished at close,
/// and deleted only once the server accepted it. A rejected session is kept as <see cref="JournalState.Dead"/> for a human.
/// </summary>
public sealed class PourJournal : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly Lock _gate = new();

    public string Path { get; }

    public PourJournal(string path)
    {
        Path = path;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _db.Open();
        Exec("PRAGMA journal_mode=WAL;");
        Exec("PRAGMA synchronous=FULL;");
        Exec("""
            CREATE TABLE IF NOT EXISTS pour_sessions (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                session_id TEXT NOT NULL UNIQUE,
                tap_id TEXT NOT NULL,
                max_ml INTEGER NOT NULL,
                pulses_per_liter INTEGER NOT NULL,
                started_at TEXT NOT NULL,
                volume_ml INTEGER NOT NULL DEFAULT 0,
                pulses INTEGER NOT NULL DEFAULT 0,
                checkpoint_at TEXT NULL,
                ended_at TEXT NULL,
                end_reason TEXT NULL,
                state TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at TEXT NULL,
                last_error TEXT NULL,
                outcome TEXT NULL);
            """);
    }

    public void Start(Guid sessionId, Guid tapId, int maxVolumeMl, int pulsesPerLiter, DateTime startedAt) =>
        Exec("""
            INSERT INTO pour_sessions (session_id, tap_id, max_ml, pulses_per_liter, started_at, state)
            VALUES ($id, $tap, $max, $ppl, $at, 'open')
            ON CONFLICT(session_id) DO NOTHING;
            """, ("$id", Id(sessionId)), ("$tap", Id(tapId)), ("$max", maxVolumeMl), ("$ppl", pulsesPerLiter), ("$at", Time(startedAt)));

    public void Checkpoint(Guid sessionId, int volumeMl, long pulses, DateTime at) =>
        Exec("UPDATE pour_sessions SET volume_ml = $v, pulses = $p, checkpoint_at = $at WHERE session_id = $id AND state = 'open';",
            ("$id", Id(sessionId)), ("$v", volumeMl), ("$p", pulses), ("$at", Time(at)));

    public void Finish(Guid sessionId, int volumeMl, long pulses, DateTime endedAt, string reason) =>
        Exec("""
            UPDATE pour_sessions SET volume_ml = $v, pulses = $p, ended_at = $at, end_reason = $r, state = 'finished'
            WHERE session_id = $id AND state = 'open';
            """, ("$id", Id(sessionId)), ("$v", volumeMl), ("$p", pulses), ("$at", Time(endedAt)), ("$r", reason));

    /// <summary>After a crash: every session still open is finished at its last checkpoint (what was measured and saved).</summary>
    public IReadOnlyList<JournalEntry> RecoverOpenSessions(string reason)
    {
        lock (_gate)
        {
            var open = Query("WHERE state = 'open' ORDER BY seq");
            foreach (var e in open) Finish(e.PourSessionId, e.VolumeMl, e.Pulses, e.CheckpointAt ?? e.StartedAt, reason);
            return open;
        }
    }

    /// <summary>Sessions the server has not accepted yet (open or finished): what Hello reports as pending.</summary>
    public int PendingCount() => Scalar("SELECT COUNT(*) FROM pour_sessions WHERE state IN ('open', 'finished');");

    public IReadOnlyList<JournalEntry> Pending() => Query("WHERE state IN ('open', 'finished') ORDER BY seq");

    public IReadOnlyList<JournalEntry> Dead() => Query("WHERE state = 'dead' ORDER BY seq");

    public JournalEntry? Find(Guid sessionId) => Query("WHERE session_id = $id", ("$id", Id(sessionId))).FirstOrDefault();

    /// <summary>The oldest finished session not accepted yet. Replay is strictly in this order; a pour still running is not due.</summary>
    public JournalEntry? OldestUnsynced() => Query("WHERE state = 'finished' ORDER BY seq LIMIT 1").FirstOrDefault();

    /// <summary>
    /// Up to <paramref name="max"/> finished sessions due at <paramref name="now"/>, oldest first, stopping at the first
    /// one not due; only those after sequence <paramref name="afterSequence"/> (the next batch behind one in flight).
    /// </summary>
    public IReadOnlyList<JournalEntry> DueUnsynced(DateTime now, int max, long afterSequence = 0) =>
        Query("WHERE state = 'finished' AND seq > $after ORDER BY seq LIMIT $max", ("$after", afterSequence), ("$max", max))
            .TakeWhile(e => e.NextAttemptAt is not { } due || due <= now).ToList();

    public void Accepted(Guid sessionId) => Exec("DELETE FROM pour_sessions WHERE session_id = $id;", ("$id", Id(sessionId)));

    /// <summary>Many accepted sessions dropped in one transaction (one fsync instead of one per session).</summary>
    public void Accepted(IReadOnlyCollection<Guid> sessionIds)
    {
        if (sessionIds.Count == 0) return;
        lock (_gate)
        {
            using var tx = _db.BeginTransaction();
            using var cmd = _db.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "DELETE FROM pour_sessions WHERE session_id = $id;";
            var id = cmd.Parameters.Add("$id", SqliteType.Text);
            foreach (var sessionId in sessionIds)
            {
                id.Value = Id(sessionId);
                cmd.ExecuteNonQuery();
            }
            tx.Commit();
        }
    }

    public void Rejected(Guid sessionId, string message) =>
        Exec("UPDATE pour_sessions SET state = 'dead', outcome = 'rejected', last_error = $e WHERE session_id = $id;",
            ("$id", Id(sessionId)), ("$e", message));

    public void AttemptFailed(Guid sessionId, string error, DateTime nextAttemptAt) =>
        Exec("UPDATE pour_sessions SET attempts = attempts + 1, last_error = $e, next_attempt_at = $n WHERE session_id = $id;",
            ("$id", Id(sessionId)), ("$e", error.Length > 500 ? error[..500] : error), ("$n", Time(nextAttemptAt)));

    public void Dispose()
    {
        _db.Dispose();
    }

    private List<JournalEntry> Query(string where, params (string Name, object Value)[] args)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = """
                SELECT seq, session_id, tap_id, max_ml, pulses_per_liter, started_at, volume_ml, pulses, checkpoint_at, ended_at,
                       end_reason, state, attempts, next_attempt_at, last_error
                FROM pour_sessions
                """ + " " + where;
            foreach (var (name, value) in args) cmd.Parameters.AddWithValue(name, value);
            using var r = cmd.ExecuteReader();
            var list = new List<JournalEntry>();
            while (r.Read())
            {
                list.Add(new JournalEntry(r.GetInt64(0), Guid.Parse(r.GetString(1)), Guid.Parse(r.GetString(2)), r.GetInt32(3), r.GetInt32(4),
                    ParseTime(r.GetString(5)), r.GetInt32(6), r.GetInt64(7), r.IsDBNull(8) ? null : ParseTime(r.GetString(8)),
                    r.IsDBNull(9) ? null : ParseTime(r.GetString(9)), r.IsDBNull(10) ? null : r.GetString(10),
                    Enum.Parse<JournalState>(r.GetString(11), ignoreCase: true), r.GetInt32(12),
                    r.IsDBNull(13) ? null : ParseTime(r.GetString(13)), r.IsDBNull(14) ? null : r.GetString(14)));
            }
            return list;
        }
    }

    private int Scalar(string sql)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = sql;
            return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
    }

    private void Exec(string sql, params (string Name, object Value)[] args)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = sql;
            foreach (var (name, value) in args) cmd.Parameters.AddWithValue(name, value);
            cmd.ExecuteNonQuery();
        }
    }

    private static string Id(Guid id) => id.ToString("D");
    private static string Time(DateTime at) => DateTime.SpecifyKind(at, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture);
    private static DateTime ParseTime(string s) => DateTime.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
}
