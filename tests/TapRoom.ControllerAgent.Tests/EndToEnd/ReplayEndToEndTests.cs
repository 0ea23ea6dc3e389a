using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using TapRoom.Contracts;
using TapRoom.ControllerAgent.Pouring;
using TapRoom.ControllerAgent.Storage;
using TapRoom.ControllerAgent.Tests.Infrastructure;
using TapRoom.HubClient;
using TapRoom.Server.Domain;
using TapRoom.Server.Features;

namespace TapRoom.ControllerAgent.Tests.EndToEnd;

/// <summary>
/// The pipelined journal replay (ADR 0070) against the real server over the real hub: the server took two batches that
/// were in flight at once, but their answers never reached the journal (the agent died in between, or the link did).
/// The next run sends every session again; the server answers <c>duplicate</c> for what it had and charges each pour once.
/// </summary>
public sealed class ReplayEndToEndTests
{
    private const int Pours = 250;
    private const int VolumeMl = 10;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Batches_the_server_took_before_the_agent_died_are_sent_again_by_the_next_run_and_each_pour_is_charged_once()
    {
        await using var server = await ServerFixture.StartAsync();
        using var venue = await Venue.ArrangeAsync(server);
        var visitId = await venue.GuestWithCardAsync("04E2E0A1", money: 100m);
        var ids = Enumerable.Range(0, Pours).Select(_ => Guid.NewGuid()).ToList();
        var at = DateTime.UtcNow.AddMinutes(-30);
        // Authorised while the agent was cut off from the server: more sessions than one tap could hold open one by one,
        // written straight into the server's database, as the bench does.
        await server.DbAsync(async db =>
        {
            db.PourSessions.AddRange(ids.Select((id, i) => new PourSession
            {
                Id = id, VisitId = visitId, TapId = venue.TapIds[0], KegId = venue.KegIds[0], ControllerId = venue.ControllerId, RequestId = Guid.NewGuid(),
                CardUid = "04E2E0A1", MaxVolumeMl = 100, PricePerLiter = Venue.PricePerLiter, AuthorizedAt = at.AddSeconds(i), SyncStatus = SyncStatus.PendingSync,
            }));
            await db.SaveChangesAsync();
        });
        var journalPath = Path.Combine(server.DataDirectory, "agent", "journal.db");
        using (var journal = new PourJournal(journalPath))
        {
            foreach (var (id, i) in ids.Select((id, i) => (id, i)))
            {
                journal.Start(id, venue.TapIds[0], 100, Venue.PulsesPerLiter, at.AddSeconds(i));
                journal.Finish(id, VolumeMl, 56, at.AddSeconds(i + 5), EndReasons.CardRemoved);
            }
        }

        await using var client = new ControllerHubClient(server.BaseAddress, venue.ApiKey);
        await client.StartAsync();
        await client.Hello(new HelloRequest("replay-test", Pours));

        // First run: both batches in flight reach the server and are committed; their answers are lost.
        var lost = new LosingHub(client);
        using (var journal = new PourJournal(journalPath))
        {
            var replayer = new JournalReplayer(journal, NullLogger.Instance, new DeterministicRetryPolicy());
            Assert.Equal(0, await replayer.SyncDueAsync(lost, DateTime.UtcNow));
            Assert.Equal(Pours, journal.PendingCount());
        }
        Assert.Equal(2, lost.Taken.Count); // two batches were in flight at once
        var taken = lost.Taken.SelectMany(r => r.Results).ToList();
        Assert.Equal(ids.Take(2 * SyncPoursRequest.MaxPours).Order(), taken.Select(r => r.PourSessionId).Order()); // answered in either order
        Assert.All(taken, r => Assert.Equal(CompletePourOutcome.Synced, r.Result?.Outcome));

        // The next run, on the same journal file: everything again, in order.
        var outcomes = new ConcurrentQueue<(Guid Id, CompletePourOutcome Outcome)>();
        using (var journal = new PourJournal(journalPath))
        {
            var replayer = new JournalReplayer(journal, NullLogger.Instance, new DeterministicRetryPolicy());
            replayer.Synced += (id, result) => outcomes.Enqueue((id, result.Outcome));
            var answered = 0;
            var deadline = DateTime.UtcNow + Deadline;
            while (journal.PendingCount() > 0 && DateTime.UtcNow < deadline)
                answered += await replayer.SyncDueAsync(client, DateTime.UtcNow.AddHours(1));
            Assert.Equal(0, journal.PendingCount());
            Assert.Equal(Pours, answered);
        }
        Assert.Equal(ids, outcomes.Select(o => o.Id));
        Assert.Equal(Enumerable.Repeat(CompletePourOutcome.Duplicate, 200).Concat(Enumerable.Repeat(CompletePourOutcome.Synced, Pours - 200)),
            outcomes.Select(o => o.Outcome));

        var (sessions, charges) = await venue.PoursOfAsync(visitId);
        Assert.Equal(Pours, sessions.Count(s => s.SyncStatus == SyncStatus.Synced && s.VolumeMl == VolumeMl));
        Assert.Equal(ids.Order(), charges.Select(c => c.PourSessionId!.Value).Order()); // one charge per pour, none twice
        var perPour = VolumeMl * Venue.PricePerLiter / 1000m;
        Assert.All(charges, c => Assert.Equal(-perPour, c.Amount));
        Assert.Equal(100m - Pours * perPour, await server.DbAsync(db => db.Visits.Where(v => v.Id == visitId).Select(v => v.Balance).SingleAsync()));
        Assert.Equal(Venue.KegNominalMl - Pours * VolumeMl, (await venue.TapAsync(0)).KegRemainingMl);
        Assert.Equal(Pours, await venue.AuditCountAsync(AuditActions.PourSynced));
    }

    /// <summary>Forwards <c>SyncPours</c> to the real server, waits for its answer, and loses it.</summary>
    private sealed class LosingHub(IControllerHub real) : IControllerHub
    {
        public ConcurrentQueue<SyncPoursResult> Taken { get; } = new();

        public async Task<SyncPoursResult> SyncPours(SyncPoursRequest request)
        {
            var sent = real.SyncPours(request);
            Taken.Enqueue(await sent);
            throw new InvalidOperationException("the answer was lost (the agent died before it reached the journal)");
        }

        public Task<HelloResult> Hello(HelloRequest request) => real.Hello(request);
        public Task<AuthorizeResult> Authorize(AuthorizeRequest request) => real.Authorize(request);
        public Task<CompletePourResult> CompletePour(CompletePourRequest request) => throw new NotSupportedException();
        public Task PourProgress(PourProgressMessage message) => real.PourProgress(message);
        public Task CardPresented(CardPresentedMessage message) => real.CardPresented(message);
        public Task CardRemoved(CardRemovedMessage message) => real.CardRemoved(message);
        public Task FlowWithoutPour(FlowWithoutPourMessage message) => real.FlowWithoutPour(message);
        public Task<TemperatureReadingsResult> TemperatureReadings(TemperatureReadingsRequest request) => real.TemperatureReadings(request);
        public Task CalibrationPourDone(CalibrationPourDoneMessage message) => real.CalibrationPourDone(message);
        public Task<string> Echo(string text) => real.Echo(text);
    }
}
