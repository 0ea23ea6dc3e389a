using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Features;

namespace TapRoom.Server.Tests.Faults;

/// <summary>
/// Proves PRODUCT.md's rules from a TapRoom database file alone (and, where given, controller agents' journals), after
/// any run: no visit locked on two taps and no tap serving two visits (lock intervals rebuilt from the pour sessions),
/// every pour charged exactly once, every balance replayed in ledger order never below zero and every visit's stored
/// balance equal to the sum of its ledger, keg volume conserved,
/// every money movement with its POS outbox row, every change of state with its audit event. Each violation is one line
/// that starts with the rule's name, so a test can assert exactly which rule broke.
/// </summary>
public static class InvariantChecker
{
    public const string OneCardOneTap = "one_card_one_tap";
    public const string OneTapOneVisit = "one_tap_one_visit";
    public const string ChargedOnce = "charged_once";
    public const string BalanceNeverNegative = "balance_never_negative";
    public const string BalanceMatchesLedger = "balance_matches_ledger";
    public const string KegVolumeConserved = "keg_volume_conserved";
    public const string MoneyHasOutboxRow = "money_has_outbox_row";
    public const string StateChangeAudited = "state_change_audited";
    public const string JournalSynced = "journal_synced";

    /// <summary>A SQLite database file, opened read-only.</summary>
    public static Task<IReadOnlyList<string>> CheckAsync(string databasePath, IEnumerable<(string Path, Guid ControllerId)>? agentJournals = null) =>
        CheckAsync(new TapRoomDatabase(TapRoom.Server.Infrastructure.DatabaseOptions.Sqlite,
            new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString()), agentJournals);

    /// <summary>A database of either provider.</summary>
    public static async Task<IReadOnlyList<string>> CheckAsync(TapRoomDatabase database, IEnumerable<(string Path, Guid ControllerId)>? agentJournals = null)
    {
        var violations = new List<string>();
        await using var db = database.CreateContext();

        var visits = await db.Visits.AsNoTracking().ToListAsync();
        var sessions = await db.PourSessions.AsNoTracking().ToListAsync();
        var ledger = await db.Ledger.AsNoTracking().ToListAsync();
        var kegs = await db.Kegs.AsNoTracking().ToListAsync();
        var outbox = await db.PosOutbox.AsNoTracking().ToListAsync();
        var audits = await db.AuditEvents.AsNoTracking().Select(a => new { a.Action, a.SubjectId, a.At, a.DetailsJson }).ToListAsync();
        var audited = audits.Where(a => a.SubjectId is not null).Select(a => (a.Action, a.SubjectId!.Value)).ToHashSet();

        CheckLocks(visits, sessions, audits.Where(a => a.Action == AuditActions.VisitForceUnlocked)
            .Select(a => (Session: Detail(a.DetailsJson, "pourSessionId"), a.At)).ToList(), violations);
        CheckCharges(sessions, ledger, violations);
        await CheckBalancesAsync(db, database.IsSqlite, ledger, violations);
        CheckStoredBalances(visits, ledger, violations);
        CheckKegs(kegs, sessions, audits.Where(a => a.Action == AuditActions.TapCleaned)
            .Select(a => (Keg: Detail(a.DetailsJson, "kegId"), Waste: IntDetail(a.DetailsJson, "wasteMl"))).ToList(), violations);

        foreach (var entry in ledger.Where(e => e.Kind != LedgerKind.Adjustment))
        {
            var kind = entry.Kind switch { LedgerKind.TopUp => PosOutboxKind.TopUp, LedgerKind.Refund => PosOutboxKind.Refund, _ => PosOutboxKind.Pour };
            var rows = outbox.Count(o => o.LedgerEntryId == entry.Id && o.Kind == kind);
            if (rows != 1) violations.Add($"{MoneyHasOutboxRow}: ledger entry {entry.Id} ({entry.Kind}, {entry.Amount}) has {rows} outbox rows");
        }

        foreach (var v in visits.Where(v => !audited.Contains((AuditActions.VisitOpened, v.Id))))
            violations.Add($"{StateChangeAudited}: visit {v.Id} has no {AuditActions.VisitOpened} event");
        foreach (var v in visits.Where(v => v.Status == VisitStatus.Closed && !audited.Contains((AuditActions.VisitClosed, v.Id))))
            violations.Add($"{StateChangeAudited}: closed visit {v.Id} has no {AuditActions.VisitClosed} event");
        foreach (var s in sessions)
        {
            if (!audited.Contains((AuditActions.PourAuthorized, s.Id))) violations.Add($"{StateChangeAudited}: pour {s.Id} has no {AuditActions.PourAuthorized} event");
            var action = s.SyncStatus switch { SyncStatus.Synced => AuditActions.PourSynced, SyncStatus.Reconciled => AuditActions.PourReconciled, _ => null };
            if (action is not null && !audited.Contains((action, s.Id))) violations.Add($"{StateChangeAudited}: {TapRoomJson.EnumValue(s.SyncStatus)} pour {s.Id} has no {action} event");
            var late = s.LateSyncOutcome switch
            {
                LateSyncOutcome.LateSyncMatched => AuditActions.PourLateSyncMatched, LateSyncOutcome.LateSyncMismatch => AuditActions.PourLateSyncMismatch, _ => null,
            };
            if (late is not null && !audited.Contains((late, s.Id))) violations.Add($"{StateChangeAudited}: pour {s.Id} has no {late} event");
        }
        var topUpEvents = audits.Where(a => a.Action == AuditActions.VisitToppedUp).Select(a => Detail(a.DetailsJson, "ledgerEntryId")).ToHashSet();
        foreach (var e in ledger.Where(e => e.Kind == LedgerKind.TopUp && !topUpEvents.Contains(e.Id)))
            violations.Add($"{StateChangeAudited}: top-up {e.Id} has no {AuditActions.VisitToppedUp} event");

        foreach (var (path, controllerId) in agentJournals ?? [])
            await CheckJournalAsync(path, controllerId, sessions, violations);
        return violations;
    }

    /// <summary>A visit holds a tap from its pour's authorisation until the pour is settled, force-unlocked or the visit closes; no two such intervals may overlap per visit or per tap.</summary>
    private static void CheckLocks(List<Visit> visits, List<PourSession> sessions, List<(Guid? Session, DateTime At)> unlocks, List<string> violations)
    {
        var closedAt = visits.ToDictionary(v => v.Id, v => v.ClosedAt);
        var intervals = sessions.Select(s => (s.Id, s.VisitId, s.TapId, Start: s.AuthorizedAt,
            End: s.SyncedAt ?? s.ReconciledAt ?? unlocks.Where(u => u.Session == s.Id).Select(u => (DateTime?)u.At).Min()
                 ?? closedAt.GetValueOrDefault(s.VisitId) ?? DateTime.MaxValue)).ToList();
        foreach (var group in intervals.GroupBy(i => i.VisitId))
            foreach (var (a, b) in Overlaps(group.OrderBy(i => i.Start).ToList()))
                violations.Add($"{OneCardOneTap}: visit {group.Key} held tap {a.TapId} (pour {a.Id}) and tap {b.TapId} (pour {b.Id}) at once");
        foreach (var group in intervals.GroupBy(i => i.TapId))
            foreach (var (a, b) in Overlaps(group.OrderBy(i => i.Start).ToList()))
                violations.Add($"{OneTapOneVisit}: tap {group.Key} served pours {a.Id} and {b.Id} at once");
        foreach (var dup in visits.Where(v => v.ActiveTapId is not null).GroupBy(v => v.ActiveTapId).Where(g => g.Count() > 1))
            violations.Add($"{OneTapOneVisit}: tap {dup.Key} is held by {dup.Count()} visits now");
        foreach (var v in visits.Where(v => v.ActiveTapId is not null))
        {
            var s = sessions.FirstOrDefault(p => p.Id == v.ActivePourSessionId);
            if (s is null || s.TapId != v.ActiveTapId || s.SyncStatus != SyncStatus.PendingSync)
                violations.Add($"{OneCardOneTap}: visit {v.Id} holds tap {v.ActiveTapId} without an open pour of its own there");
        }

        static IEnumerable<((Guid Id, Guid VisitId, Guid TapId, DateTime Start, DateTime End) A, (Guid Id, Guid VisitId, Guid TapId, DateTime Start, DateTime End) B)> Overlaps(
            List<(Guid Id, Guid VisitId, Guid TapId, DateTime Start, DateTime End)> sorted)
        {
            for (var i = 0; i < sorted.Count; i++)
                for (var j = i + 1; j < sorted.Count && sorted[j].Start < sorted[i].End; j++)
                    if (sorted[i].Start < sorted[j].End) yield return (sorted[i], sorted[j]);
        }
    }

    private static void CheckCharges(List<PourSession> sessions, List<LedgerEntry> ledger, List<string> violations)
    {
        var charges = ledger.Where(e => e.Kind == LedgerKind.PourCharge).ToList();
        foreach (var orphan in charges.Where(c => c.PourSessionId is null || sessions.All(s => s.Id != c.PourSessionId)))
            violations.Add($"{ChargedOnce}: pour charge {orphan.Id} names no pour");
        var bySession = charges.Where(c => c.PourSessionId is not null).ToLookup(c => c.PourSessionId!.Value);
        foreach (var s in sessions)
        {
            var mine = bySession[s.Id].ToList();
            if (mine.Count > 1) violations.Add($"{ChargedOnce}: pour {s.Id} has {mine.Count} charges");
            var settled = s.SyncStatus is SyncStatus.Synced or SyncStatus.Reconciled;
            if (!settled && mine.Count > 0) violations.Add($"{ChargedOnce}: pending pour {s.Id} is already charged");
            if (settled && s.ChargedAmount > 0 && mine.Count == 0) violations.Add($"{ChargedOnce}: {TapRoomJson.EnumValue(s.SyncStatus)} pour {s.Id} was never charged");
            if (mine.Count == 1 && mine[0].Amount != -s.ChargedAmount)
                violations.Add($"{ChargedOnce}: pour {s.Id} records {s.ChargedAmount} but its charge is {mine[0].Amount}");
            if (mine.Count == 1 && mine[0].VisitId != s.VisitId) violations.Add($"{ChargedOnce}: pour {s.Id} was charged to another visit");
        }
    }

    /// <summary>
    /// Replays each visit's ledger in the order it was written and checks the running balance. The order is SQLite's
    /// rowid; on PostgreSQL the entry's time, then its physical row order (ctid). ctid alone is not insertion order
    /// there: space left by transactions that lost a race and rolled back is reused once vacuumed, so a later row can
    /// land in an earlier page (seen under load through two instances: a charge ordered before the guest's top-up).
    /// </summary>
    private static async Task CheckBalancesAsync(TapRoomDbContext db, bool sqlite, List<LedgerEntry> ledger, List<string> violations)
    {
        var ids = await db.Database.SqlQueryRaw<Guid>(sqlite
            ? "SELECT \"Id\" AS \"Value\" FROM \"Ledger\" ORDER BY rowid"
            : "SELECT \"Id\" AS \"Value\" FROM \"Ledger\" ORDER BY \"At\", ctid").ToListAsync();
        var order = ids.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => (long)x.i);
        foreach (var visit in ledger.GroupBy(e => e.VisitId))
        {
            var balance = 0m;
            foreach (var e in visit.OrderBy(e => order[e.Id]))
            {
                balance += e.Amount;
                if (balance < 0)
                {
                    violations.Add($"{BalanceNeverNegative}: visit {visit.Key} went to {balance.ToString(CultureInfo.InvariantCulture)} at ledger entry {e.Id} ({e.Kind})");
                    break;
                }
            }
        }
    }

    /// <summary>The balance stored on each visit (ADR 0065) is exactly the sum of that visit's ledger.</summary>
    private static void CheckStoredBalances(List<Visit> visits, List<LedgerEntry> ledger, List<string> violations)
    {
        var sums = ledger.GroupBy(e => e.VisitId).ToDictionary(g => g.Key, g => g.Sum(e => e.Amount));
        foreach (var v in visits)
        {
            var sum = sums.GetValueOrDefault(v.Id);
            if (v.Balance != sum)
                violations.Add($"{BalanceMatchesLedger}: visit {v.Id} stores a balance of {v.Balance.ToString("0.00##", CultureInfo.InvariantCulture)} but its ledger sums to {sum.ToString("0.00##", CultureInfo.InvariantCulture)}");
        }
    }

    /// <summary>
    /// Every keg: nominal = remaining + its parts. A connected keg with beer left: its charged and below-minimum parts
    /// are what its pours drained and its cleaning part what its flushes ran off (a keg that ran dry may have been asked
    /// for more than it held, so only "at most" holds there).
    /// </summary>
    private static void CheckKegs(List<Keg> kegs, List<PourSession> sessions, List<(Guid? Keg, int Waste)> flushes, List<string> violations)
    {
        foreach (var keg in kegs)
        {
            if (keg.RemainingVolumeMl + keg.PartsMl != keg.NominalVolumeMl)
                violations.Add($"{KegVolumeConserved}: keg {keg.Id} holds {keg.RemainingVolumeMl} ml and its parts {keg.PartsMl} ml, not its nominal {keg.NominalVolumeMl} ml");
        }
        foreach (var keg in kegs.Where(k => k.Status == KegStatus.Connected))
        {
            var poured = sessions.Where(s => s.KegId == keg.Id && s.SyncStatus != SyncStatus.PendingSync).Sum(s => s.VolumeMl ?? 0);
            var waste = flushes.Where(f => f.Keg == keg.Id).Sum(f => f.Waste);
            var pours = keg.ChargedMl + keg.BelowMinimumMl;
            if (keg.RemainingVolumeMl > 0 ? pours != poured || keg.CleaningMl != waste : pours > poured || keg.CleaningMl > waste)
                violations.Add($"{KegVolumeConserved}: keg {keg.Id} counts {pours} ml of pours and {keg.CleaningMl} ml of cleaning but its pours drained {poured} ml and flushes {waste} ml");
        }
    }

    /// <summary>
    /// An agent's journal (controller-agent PourJournal: accepted pours are deleted, the rest wait): every pour it still
    /// holds was issued by the server, and the server still waits for it unless its acknowledgement was lost (then the
    /// replay will get <c>duplicate</c>). Whatever the server waits for from the journal's taps must still be in the
    /// journal once beer flowed (progress was reported), or that pour is lost.
    /// </summary>
    private static async Task CheckJournalAsync(string journalPath, Guid controllerId, List<PourSession> sessions, List<string> violations)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = journalPath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT session_id, tap_id, state FROM pour_sessions";
        await using var reader = await command.ExecuteReaderAsync();
        var byId = sessions.ToDictionary(s => s.Id);
        var held = new HashSet<Guid>();
        while (await reader.ReadAsync())
        {
            var id = Guid.Parse(reader.GetString(0));
            held.Add(id);
            if (!byId.ContainsKey(id)) violations.Add($"{JournalSynced}: journalled pour {id} ({reader.GetString(2)}) is unknown to the server");
        }
        foreach (var lost in sessions.Where(s => s.ControllerId == controllerId && s.SyncStatus == SyncStatus.PendingSync && s.LastProgressMl > 0 && !held.Contains(s.Id)))
            violations.Add($"{JournalSynced}: pour {lost.Id} poured {lost.LastProgressMl} ml, the server still waits for it and the agent's journal no longer has it");
    }

    private static Guid? Detail(string json, string name)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && Guid.TryParse(v.GetString(), out var g) ? g : null;
    }

    private static int IntDetail(string json, string name)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 0;
    }
}
