using System.Text.RegularExpressions;
using TapRoom.Contracts;
using TapRoom.Server.Features.Pours;

namespace TapRoom.Server.Tests.Pours;

/// <summary>
/// The pour's state machine (<see cref="PourLifecycle"/>) without a database: every (state, event) pair, the state a
/// stored row is in, and that no code outside it writes a pour's state.
/// </summary>
public sealed class PourStateMachineTests
{
    /// <summary>Every pair of state and event, and what it leads to (null: refused).</summary>
    public static TheoryData<PourState, PourEvent, PourState?> Transitions()
    {
        var data = new TheoryData<PourState, PourEvent, PourState?>();
        var allowed = new Dictionary<(PourState, PourEvent), PourState>
        {
            [(PourState.Authorised, PourEvent.Progress)] = PourState.Pouring,
            [(PourState.Pouring, PourEvent.Progress)] = PourState.Pouring,
            [(PourState.Authorised, PourEvent.TimeOut)] = PourState.TimedOut,
            [(PourState.Pouring, PourEvent.TimeOut)] = PourState.TimedOut,
            [(PourState.Authorised, PourEvent.Complete)] = PourState.Synced,
            [(PourState.Pouring, PourEvent.Complete)] = PourState.Synced,
            [(PourState.TimedOut, PourEvent.Complete)] = PourState.Synced,
            [(PourState.Authorised, PourEvent.Reconcile)] = PourState.Reconciled,
            [(PourState.Pouring, PourEvent.Reconcile)] = PourState.Reconciled,
            [(PourState.TimedOut, PourEvent.Reconcile)] = PourState.Reconciled,
            [(PourState.Reconciled, PourEvent.LateSyncMatch)] = PourState.LateSyncMatched,
            [(PourState.Reconciled, PourEvent.LateSyncMismatch)] = PourState.LateSyncMismatch,
        };
        foreach (var state in Enum.GetValues<PourState>())
            foreach (var e in Enum.GetValues<PourEvent>())
                data.Add(state, e, allowed.TryGetValue((state, e), out var next) ? next : null);
        return data;
    }

    [Theory]
    [MemberData(nameof(Transitions))]
    public void Each_event_moves_a_pour_only_where_the_rules_allow(PourState from, PourEvent e, PourState? expected) =>
        Assert.Equal(expected, PourLifecycle.Next(from, e));

    [Fact]
    public void A_finished_pour_is_never_charged_again_whatever_arrives()
    {
        // Rule 4: from a charged state, no event leads back to an open state or to a second charge.
        foreach (var done in new[] { PourState.Synced, PourState.Reconciled, PourState.LateSyncMatched, PourState.LateSyncMismatch })
        {
            Assert.Null(PourLifecycle.Next(done, PourEvent.Complete));
            Assert.Null(PourLifecycle.Next(done, PourEvent.Reconcile));
            Assert.Null(PourLifecycle.Next(done, PourEvent.Progress));
            Assert.False(PourLifecycle.IsOpen(done));
        }
    }

    public static TheoryData<SyncStatus, bool, bool, LateSyncOutcome?, PourState> StoredRows() => new()
    {
        { SyncStatus.PendingSync, false, false, null, PourState.Authorised },
        { SyncStatus.PendingSync, false, true, null, PourState.Pouring },
        { SyncStatus.PendingSync, true, true, null, PourState.TimedOut },
        { SyncStatus.PendingSync, true, false, null, PourState.TimedOut },
        { SyncStatus.Synced, true, true, null, PourState.Synced },
        { SyncStatus.Reconciled, true, true, null, PourState.Reconciled },
        { SyncStatus.Reconciled, true, true, LateSyncOutcome.LateSyncMatched, PourState.LateSyncMatched },
        { SyncStatus.Reconciled, false, false, LateSyncOutcome.LateSyncMismatch, PourState.LateSyncMismatch },
    };

    [Theory]
    [MemberData(nameof(StoredRows))]
    public void A_stored_pour_is_in_the_state_its_columns_say(SyncStatus status, bool timedOut, bool progressed, LateSyncOutcome? late, PourState expected) =>
        Assert.Equal(expected, PourLifecycle.StateOf(status, timedOut, progressed, late));

    /// <summary>The columns that make a pour's state; only PourLifecycle.cs writes them (and the migrations create them).</summary>
    private static readonly Regex StateWrite = new(
        @"\.(SyncStatus|SyncedAt|TimedOutAt|ReconciledAt|ReconciledBy|ReconcileComment|LateSyncOutcome|LateSyncVolumeMl|LateSyncAt)\s*=(?![=>])"
        + @"|SetProperty\(\s*\w+\s*=>\s*\w+\.(SyncStatus|SyncedAt|TimedOutAt|Reconcile\w*|LateSync\w*|LastProgress\w*)\b"
        + @"|UPDATE\s+""PourSessions""",
        RegexOptions.Compiled);

    [Fact]
    public void No_code_outside_the_state_machine_changes_a_pours_state()
    {
        var server = Path.Combine(RepoRoot(), "server", "TapRoom.Server");
        var files = Directory.EnumerateFiles(server, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}")
                && !f.Contains("Migrations")).ToList();
        var home = files.Single(f => Path.GetFileName(f) == "PourLifecycle.cs");
        // The check can see a state write: the state machine's own statements match it.
        Assert.True(StateWrite.Matches(File.ReadAllText(home)).Count >= 6, "the pattern no longer finds the state machine's own statements");

        var outside = files.Where(f => f != home)
            .SelectMany(f => File.ReadAllLines(f).Select((line, i) => (File: Path.GetRelativePath(server, f), Line: i + 1, Text: line.Trim())))
            .Where(l => !l.Text.StartsWith("//") && !l.Text.StartsWith("///") && StateWrite.IsMatch(l.Text))
            .Select(l => $"{l.File}:{l.Line}: {l.Text}")
            .ToList();
        Assert.True(outside.Count == 0, "A pour's state is written outside PourLifecycle.cs:\n" + string.Join('\n', outside));
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TapRoom.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("TapRoom.sln not found above the test's directory.");
    }
}
