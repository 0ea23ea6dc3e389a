using Microsoft.Extensions.Logging.Abstractions;
using TapRoom.Contracts;
using TapRoom.ControllerAgent.Hardware.Simulated;
using TapRoom.ControllerAgent.Pouring;
using TapRoom.ControllerAgent.Storage;
using TapRoom.ControllerAgent.Tests.Infrastructure;
using TapRoom.HubClient;

namespace TapRoom.ControllerAgent.Tests.Storage;

public sealed class PourJournalTests : IDisposable
{
    private readonly string _dir = TempDir.New();
    private readonly DateTime _t0 = new(2026, 11, 21, 18, 0, 0, DateTimeKind.Utc);
    private static readonly Guid TapId = Guid.NewGuid();
    private static readonly ControllerTapConfig Tap = new(TapId, "Tap 1", TapStatus.Active, 450, 1000, 8000);

    private string JournalPath => Path.Combine(_dir, "journal.db");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void The_session_is_in_the_journal_before_the_valve_opens_and_checkpoints_reach_the_disk()
    {
        using var journal = new PourJournal(JournalPath);
        var hub = new ScriptedHub();
        var session = Guid.NewGuid();
        hub.OnAuthorize = _ => new AuthorizeResult(true, session, 500, null, "ok", "Ann", 10m);
        var time = new ManualTime();
        using var rig = new SimulatedTapRig("r1", flowRateMlPerSecond: 0, time: time);
        JournalEntry? atOpen = null;
        rig.Valve.Changed += open =>
        {
            if (open) atOpen = journal.Find(session);
        };
        using var runtime = new TapRuntime(0, rig.Hardware, journal, new ScriptedLink(hub), new PourSettings(), time, NullLogger.Instance);
        runtime.Start();
        runtime.Post((m, _) => m.Configure(Tap));
        runtime.Post((m, _) => m.LinkChanged(true));

        rig.Reader.Present("04A1B2C3");
        // IsOpen turns true just before Changed runs on the agent's thread: wait for what the handler saw, not for IsOpen.
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref atOpen) is not null, TimeSpan.FromSeconds(5)), "the journal held no session when the valve opened");
        Assert.True(rig.Valve.IsOpen);
        Assert.Equal((JournalState.Open, 500, TapId), (atOpen!.State, atOpen.MaxVolumeMl, atOpen.TapId));

        rig.Meter.Emit(90); // 200 ml
        time.Advance(TimeSpan.FromMilliseconds(1100));
        using (var other = new PourJournal(JournalPath)) // what a second process (or the next run) would read
        {
            var checkpoint = other.Find(session)!;
            Assert.Equal((200, 90L, JournalState.Open), (checkpoint.VolumeMl, checkpoint.Pulses, checkpoint.State));
            Assert.NotNull(checkpoint.CheckpointAt);
        }

        rig.Reader.Remove();
        Assert.False(rig.Valve.IsOpen);
        time.Advance(TimeSpan.FromMilliseconds(500));
        var finished = journal.Find(session)!;
        Assert.Equal((JournalState.Finished, 200, EndReasons.CardRemoved), (finished.State, finished.VolumeMl, finished.EndReason));
        Assert.Equal(1, journal.PendingCount());
        Assert.True(SpinWait.SpinUntil(() => hub.Progress.Count >= 4, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void A_journal_write_that_fails_keeps_the_valve_closed()
    {
        var journal = new PourJournal(JournalPath);
        journal.Dispose(); // every write now throws
        var hub = new ScriptedHub { OnAuthorize = _ => new AuthorizeResult(true, Guid.NewGuid(), 500, null, "ok", null, null) };
        var time = new ManualTime();
        using var rig = new SimulatedTapRig("r1", flowRateMlPerSecond: 0, time: time);
        using var runtime = new TapRuntime(0, rig.Hardware, journal, new ScriptedLink(hub), new PourSettings(), time, NullLogger.Instance);
        runtime.Start();
        runtime.Post((m, _) => m.Configure(Tap));
        runtime.Post((m, _) => m.LinkChanged(true));
        rig.Reader.Present("04A1B2C3");
        Assert.True(SpinWait.SpinUntil(() => !hub.Authorizations.IsEmpty && runtime.Machine.State != PourState.Authorising, TimeSpan.FromSeconds(5)));
        Assert.False(rig.Valve.IsOpen);
        Assert.Equal(0, rig.Valve.OpenCount);
    }

    [Fact]
    public async Task Replay_goes_in_order_removes_only_accepted_outcomes_and_sets_rejected_aside()
    {
        using var journal = new PourJournal(JournalPath);
        var ids = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToList();
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
        {
            journal.Start(id, TapId, 500, 450, _t0.AddMinutes(i));
            journal.Finish(id, 100 + i, 45, _t0.AddMinutes(i).AddSeconds(20), EndReasons.CardRemoved);
        }
        var open = Guid.NewGuid();
        journal.Start(open, TapId, 500, 450, _t0.AddMinutes(9)); // still pouring: not due

        var hub = new ScriptedHub();
        var outcomes = new Queue<Func<CompletePourResult>>([
            () => new CompletePourResult(CompletePourOutcome.Synced, 1m, 9m),
            () => throw new HubLinkDown(),
        ]);
        hub.OnComplete = _ => outcomes.Dequeue()();
        var replayer = new JournalReplayer(journal, NullLogger.Instance, new DeterministicRetryPolicy());

        Assert.Equal(1, await replayer.SyncDueAsync(hub, _t0));
        Assert.Equal(ids.Take(2), hub.Completions.Select(c => c.PourSessionId));
        Assert.Null(journal.Find(ids[0]));
        var failed = journal.Find(ids[1])!;
        Assert.Equal((1, JournalState.Finished), (failed.Attempts, failed.State));
        Assert.Equal(_t0.AddSeconds(1), failed.NextAttemptAt); // deterministic: 0, 1, 2, 5, 10 s

        Assert.Equal(0, await replayer.SyncDueAsync(hub, _t0.AddMilliseconds(500))); // not due yet
        Assert.Equal(2, hub.Completions.Count);

        hub.OnComplete = r => r.PourSessionId == ids[2]
            ? new CompletePourResult(CompletePourOutcome.Rejected, 0m, null, "unknown_pour_session")
            : r.PourSessionId == ids[3]
                ? new CompletePourResult(CompletePourOutcome.Duplicate, 0m, 9m)
                : new CompletePourResult(CompletePourOutcome.LateSyncMismatch, 0m, 9m);
        Assert.Equal(4, await replayer.SyncDueAsync(hub, _t0.AddSeconds(1)));
        Assert.Equal([ids[0], ids[1], ids[1], ids[2], ids[3], ids[4]], hub.Completions.Select(c => c.PourSessionId));
        Assert.Equal(104, hub.Completions.Last().VolumeMl);
        Assert.Equal(ids[2], Assert.Single(journal.Dead()).PourSessionId);
        Assert.Equal(open, Assert.Single(journal.Pending()).PourSessionId);

        Assert.Equal(0, await replayer.SyncDueAsync(hub, _t0.AddHours(1))); // a dead session is never retried
        Assert.Equal(6, hub.Completions.Count);
    }

    [Fact]
    public async Task A_process_killed_mid_pour_closes_the_valve_at_start_and_syncs_the_session_once_from_its_checkpoint()
    {
        var settings = new AgentSettings { ServerUrl = "http://127.0.0.1:9", ApiKey = "trk_unused", DataDirectory = _dir, ReconnectDelaysMs = [60_000], Screen = { Enabled = false } };
        var session = Guid.NewGuid();
        var hub = new ScriptedHub { OnAuthorize = _ => new AuthorizeResult(true, session, 800, null, "ok", "Ann", 10m) };
        var time = new ManualTime();

        // First run: a pour in progress, checkpointed at 300 ml, then the process dies (nothing is disposed).
        var journal = new PourJournal(Path.Combine(_dir, "journal.db"));
        var rig = new SimulatedTapRig("r1", flowRateMlPerSecond: 0, time: time);
        var runtime = new TapRuntime(0, rig.Hardware, journal, new ScriptedLink(hub), new PourSettings(), time, NullLogger.Instance);
        runtime.Start();
        runtime.Post((m, _) => m.Configure(Tap));
        runtime.Post((m, _) => m.LinkChanged(true));
        rig.Reader.Present("04A1B2C3");
        Assert.True(SpinWait.SpinUntil(() => rig.Valve.IsOpen, TimeSpan.FromSeconds(5)));
        rig.Meter.Emit(135); // 300 ml
        time.Advance(TimeSpan.FromMilliseconds(1050));
        rig.Meter.Emit(20); // poured after the last checkpoint: lost with the process
        Assert.True(rig.Valve.IsOpen);
        journal.Dispose(); // the process is gone; the GPIO line may still be high

        // Second run on the same data directory; the valve comes up open, as a stuck line would.
        using var rig2 = new SimulatedTapRig("r1", time: new ManualTime());
        rig2.Valve.Open();
        await using var agent = new AgentHost(settings, [rig2.Hardware], time: new ManualTime());
        Assert.False(rig2.Valve.IsOpen);
        await agent.StartAsync();
        var recovered = Assert.Single(agent.Recovered);
        Assert.Equal(session, recovered.PourSessionId);
        var entry = agent.Journal.Find(session)!;
        Assert.Equal((JournalState.Finished, 300, EndReasons.Recovered), (entry.State, entry.VolumeMl, entry.EndReason));
        Assert.Equal(1, agent.Journal.PendingCount()); // what Hello will report

        Assert.Equal(1, await agent.Replayer.SyncDueAsync(hub, time.Now));
        Assert.Equal(0, await agent.Replayer.SyncDueAsync(hub, time.Now.AddMinutes(1)));
        var sent = Assert.Single(hub.Completions);
        Assert.Equal((session, TapId, 300), (sent.PourSessionId, sent.TapId, sent.VolumeMl));
        Assert.Equal(0, agent.Journal.PendingCount());
        rig.Dispose();
    }

    [Fact]
    public async Task A_link_that_drops_mid_pour_lets_the_pour_finish_at_its_maximum_and_queues_it_until_the_server_answers()
    {
        using var journal = new PourJournal(JournalPath);
        var session = Guid.NewGuid();
        var hub = new ScriptedHub { OnAuthorize = _ => new AuthorizeResult(true, session, 200, null, "ok", "Ann", 10m) };
        var link = new ScriptedLink(hub);
        var time = new ManualTime();
        using var rig = new SimulatedTapRig("r1", flowRateMlPerSecond: 0, time: time);
        using var runtime = new TapRuntime(0, rig.Hardware, journal, link, new PourSettings { SettleMs = 0 }, time, NullLogger.Instance);
        runtime.Start();
        runtime.Post((m, _) => m.Configure(Tap));
        runtime.Post((m, _) => m.LinkChanged(true));
        rig.Reader.Present("04A1B2C3");
        Assert.True(SpinWait.SpinUntil(() => rig.Valve.IsOpen, TimeSpan.FromSeconds(5)));

        link.IsUp = false;
        runtime.Post((m, _) => m.LinkChanged(false));
        rig.Meter.Emit(45); // 100 ml
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(rig.Valve.IsOpen); // the pour goes on within its maximum
        rig.Meter.Emit(44);
        Assert.True(rig.Valve.IsOpen);
        rig.Meter.Emit(1); // 90 pulses = 200 ml: the maximum
        Assert.False(rig.Valve.IsOpen);
        rig.Meter.Emit(3); // drips after the close: below the ghost threshold, no leak report, not charged

        var queued = Assert.Single(journal.Pending());
        Assert.Equal((session, JournalState.Finished, 200, EndReasons.MaxVolume), (queued.PourSessionId, queued.State, queued.VolumeMl, queued.EndReason));
        Assert.True(link.SyncRequests >= 1);
        var replayer = new JournalReplayer(journal, NullLogger.Instance);
        hub.OnComplete = _ => throw new HubLinkDown();
        Assert.Equal(0, await replayer.SyncDueAsync(hub, time.Now));
        Assert.Equal(1, journal.PendingCount());

        hub.OnComplete = _ => new CompletePourResult(CompletePourOutcome.Synced, 1.2m, 8.8m);
        Assert.Equal(1, await replayer.SyncDueAsync(hub, time.Now.AddSeconds(1)));
        Assert.Equal(0, journal.PendingCount());
        Assert.Equal([200, 200], hub.Completions.Select(c => c.VolumeMl));
    }

    private sealed class HubLinkDown() : Exception("link down");
}
