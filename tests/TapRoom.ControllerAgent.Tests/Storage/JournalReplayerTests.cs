using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using TapRoom.Contracts;
using TapRoom.ControllerAgent.Pouring;
using TapRoom.ControllerAgent.Storage;
using TapRoom.ControllerAgent.Tests.Infrastructure;
using TapRoom.HubClient;

namespace TapRoom.ControllerAgent.Tests.Storage;

/// <summary>
/// The replayer's pipelining (ADR 0070) with a hub whose answers the test releases one by one: two batches in flight,
/// answers applied in the order the batches were sent, a session dropped from the journal only after its own answer,
/// and nothing behind a failed batch applied. The real server's side of the same (dedup of what was sent twice) is in
/// <c>EndToEnd/ReplayEndToEndTests</c>.
/// </summary>
public sealed class JournalReplayerTests : IDisposable
{
    private static readonly Guid TapId = Guid.NewGuid();
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly string _dir = TempDir.New();
    private readonly DateTime _t0 = new(2026, 11, 21, 18, 0, 0, DateTimeKind.Utc);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private (PourJournal Journal, List<Guid> Ids) JournalWith(int finished)
    {
        var journal = new PourJournal(Path.Combine(_dir, "journal.db"));
        var ids = Enumerable.Range(0, finished).Select(_ => Guid.NewGuid()).ToList();
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
        {
            journal.Start(id, TapId, 500, 450, _t0.AddSeconds(i));
            journal.Finish(id, 10 + i % 7, 5, _t0.AddSeconds(i).AddMilliseconds(500), EndReasons.CardRemoved);
        }
        return (journal, ids);
    }

    [Fact]
    public async Task Two_batches_are_in_flight_and_each_session_leaves_the_journal_only_after_its_own_answer_in_sending_order()
    {
        var (journal, ids) = JournalWith(250);
        using var _ = journal;
        var hub = new GatedHub();
        hub.OnSend = () => hub.PendingAtSend.Enqueue(journal.PendingCount());
        var synced = new ConcurrentQueue<Guid>();
        var replayer = new JournalReplayer(journal, NullLogger.Instance);
        replayer.Synced += (id, _) => synced.Enqueue(id);

        var round = replayer.SyncDueAsync(hub, _t0);
        await hub.CallsAsync(2, Wait);
        Assert.Equal([250, 250], hub.PendingAtSend); // the second batch went out before the first was answered
        Assert.Equal(ids.Take(100), hub.Call(0).Request.Pours.Select(p => p.PourSessionId));
        Assert.Equal(ids.Skip(100).Take(100), hub.Call(1).Request.Pours.Select(p => p.PourSessionId));

        // The second answer arrives first: it waits for the first. Then the first arrives and is applied; the third batch
        // goes out with only the first batch gone from the journal.
        hub.Call(1).Answer(p => new CompletePourResult(CompletePourOutcome.Synced, 0.1m, 5m));
        hub.Call(0).Answer(p => new CompletePourResult(CompletePourOutcome.Synced, 0.1m, 5m));
        await hub.CallsAsync(3, Wait);
        Assert.Equal(150, hub.PendingAtSend.Last());
        Assert.Equal(ids.Skip(200), hub.Call(2).Request.Pours.Select(p => p.PourSessionId));
        Assert.All(ids.Skip(200), id => Assert.NotNull(journal.Find(id))); // sent, not answered: still journalled

        hub.Call(2).Answer(p => new CompletePourResult(CompletePourOutcome.Duplicate, 0.1m, 5m));
        Assert.Equal(250, await round);
        Assert.Equal(0, journal.PendingCount());
        Assert.Equal(3, hub.Calls.Count);
        Assert.Equal(ids, synced); // answers applied in the journal's order
    }

    [Fact]
    public async Task A_failed_batch_stops_the_round_and_the_answered_batch_behind_it_stays_journalled_and_is_sent_again()
    {
        var (journal, ids) = JournalWith(250);
        using var _ = journal;
        var hub = new GatedHub();
        var replayer = new JournalReplayer(journal, NullLogger.Instance, new DeterministicRetryPolicy());

        var round = replayer.SyncDueAsync(hub, _t0);
        await hub.CallsAsync(2, Wait);
        hub.Call(0).Fail(new InvalidOperationException("link down"));
        Assert.False(round.IsCompleted); // the batch in flight behind it is still awaited (never two rounds on the wire)
        hub.Call(1).Answer(p => new CompletePourResult(CompletePourOutcome.Synced, 0.1m, 5m)); // the server took it
        Assert.Equal(0, await round);

        Assert.Equal(2, hub.Calls.Count); // nothing more was sent
        Assert.Equal(250, journal.PendingCount()); // the answered batch was not applied past the failed one
        var first = journal.Find(ids[0])!;
        Assert.Equal((1, _t0.AddSeconds(1), "link down"), (first.Attempts, first.NextAttemptAt, first.LastError));
        Assert.All(ids.Skip(1), id => Assert.Equal(0, journal.Find(id)!.Attempts));

        Assert.Equal(0, await replayer.SyncDueAsync(hub, _t0.AddMilliseconds(500))); // the failed one is not due: nothing passes it
        Assert.Equal(2, hub.Calls.Count);

        // The next round sends everything again, in order; the server answers duplicate for what it already had.
        var alreadyTaken = ids.Skip(100).Take(100).ToHashSet();
        hub.AnswerAtOnce = p => alreadyTaken.Contains(p.PourSessionId)
            ? new CompletePourResult(CompletePourOutcome.Duplicate, 0.1m, 5m)
            : new CompletePourResult(CompletePourOutcome.Synced, 0.1m, 5m);
        Assert.Equal(250, await replayer.SyncDueAsync(hub, _t0.AddSeconds(1)));
        Assert.Equal(0, journal.PendingCount());
        Assert.Equal(ids, hub.Calls.Skip(2).SelectMany(c => c.Request.Pours).Select(p => p.PourSessionId));
    }

    [Fact]
    public async Task An_error_for_one_pour_of_the_first_batch_keeps_it_and_everything_after_it_and_the_second_batch_is_not_applied()
    {
        var (journal, ids) = JournalWith(150);
        using var _ = journal;
        var hub = new GatedHub();
        var replayer = new JournalReplayer(journal, NullLogger.Instance, new DeterministicRetryPolicy());

        var round = replayer.SyncDueAsync(hub, _t0);
        await hub.CallsAsync(2, Wait);
        var failing = ids[40];
        hub.Call(0).Answer(p => p.PourSessionId == failing ? null : new CompletePourResult(CompletePourOutcome.Synced, 0.1m, 5m));
        hub.Call(1).Answer(p => new CompletePourResult(CompletePourOutcome.Synced, 0.1m, 5m));
        Assert.Equal(40, await round);

        Assert.Equal(ids.Skip(40), journal.Pending().Select(e => e.PourSessionId));
        Assert.Equal(1, journal.Find(failing)!.Attempts);
    }

    /// <summary>A hub whose <c>SyncPours</c> answers wait until the test releases them (or answer at once).</summary>
    private sealed class GatedHub : IControllerHub
    {
        private readonly SemaphoreSlim _sent = new(0);

        public List<PendingCall> Calls { get; } = [];
        public ConcurrentQueue<int> PendingAtSend { get; } = new();
        public Action? OnSend { get; set; }
        public Func<CompletePourRequest, CompletePourResult?>? AnswerAtOnce { get; set; }

        public PendingCall Call(int i)
        {
            lock (Calls) return Calls[i];
        }

        public async Task CallsAsync(int count, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                lock (Calls) if (Calls.Count >= count) return;
                if (!await _sent.WaitAsync(deadline - DateTime.UtcNow)) throw new TimeoutException($"{count} SyncPours calls");
            }
        }

        public Task<SyncPoursResult> SyncPours(SyncPoursRequest request)
        {
            OnSend?.Invoke();
            var call = new PendingCall(request);
            lock (Calls) Calls.Add(call);
            if (AnswerAtOnce is { } answer) call.Answer(answer);
            _sent.Release();
            return call.Result.Task;
        }

        public Task<HelloResult> Hello(HelloRequest request) => throw new NotSupportedException();
        public Task<AuthorizeResult> Authorize(AuthorizeRequest request) => throw new NotSupportedException();
        public Task<CompletePourResult> CompletePour(CompletePourRequest request) => throw new NotSupportedException();
        public Task PourProgress(PourProgressMessage message) => Task.CompletedTask;
        public Task CardPresented(CardPresentedMessage message) => Task.CompletedTask;
        public Task CardRemoved(CardRemovedMessage message) => Task.CompletedTask;
        public Task FlowWithoutPour(FlowWithoutPourMessage message) => Task.CompletedTask;
        public Task<TemperatureReadingsResult> TemperatureReadings(TemperatureReadingsRequest request) => throw new NotSupportedException();
        public Task CalibrationPourDone(CalibrationPourDoneMessage message) => Task.CompletedTask;
        public Task<string> Echo(string text) => Task.FromResult(text);
    }

    private sealed class PendingCall(SyncPoursRequest request)
    {
        public SyncPoursRequest Request { get; } = request;
        public TaskCompletionSource<SyncPoursResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>One result per pour; a null result is the server's error for that pour.</summary>
        public void Answer(Func<CompletePourRequest, CompletePourResult?> outcome) =>
            Result.SetResult(new SyncPoursResult(Request.Pours
                .Select(p => outcome(p) is { } r ? new SyncedPour(p.PourSessionId, r) : new SyncedPour(p.PourSessionId, null, "error: send it again"))
                .ToList()));

        public void Fail(Exception ex) => Result.SetException(ex);
    }
}
