using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.HubClient;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;

namespace TapRoom.LoadDriver;

/// <param name="Failed">Completions answered with an error (a failed call, or a batch's per-pour <c>error</c>); not resent.</param>
/// <param name="Errors">Errors answered to the replaying controller, by call and code (see <see cref="HubErrors"/>).</param>
public sealed record ReplayResult(int Pours, TimeSpan Elapsed, int Synced, int Other, int Failed, IReadOnlyDictionary<string, long> Errors,
    Histogram RoundTrip, TimeSpan ServerCpu)
{
    /// <summary>Completions acknowledged (synced or another outcome, not failed) per second.</summary>
    public double PerSecond => (Synced + Other) / Elapsed.TotalSeconds;
}

/// <summary>
/// One controller replays a journal of pre-authorised pours: its sessions (pending_sync, on its own tap and keg, spread
/// over the night's visits) are written straight into the server's database (its SQLite file, or its PostgreSQL database
/// through Npgsql), because the product cannot hold 10,000 open authorisations on one tap; then it replays them in order, each batch as soon as the previous one is
/// acknowledged, as the agent's journal replayer does: batches of <c>--replay-batch</c> completions with <c>SyncPours</c>
/// (default 100, what the agent sends), or <c>--replay-batch 1</c>: one <c>CompletePour</c> at a time (the old way);
/// <c>--replay-in-flight</c> batches at once (default 2, as the agent's replayer; 1 waits for each answer).
/// </summary>
public static class Replay
{
    public static async Task<ReplayResult> RunAsync(Uri baseAddress, TapRoomDatabase database, Func<TimeSpan> serverCpu, Venue venue, int pours, int batchSize, int inFlight, Action<string> say)
    {
        using var http = Venue.Client(baseAddress, venue.AdminCookies);
        var tap = (await Venue.PostAsync(http, "/api/taps", new { name = "Replay tap" })).GetProperty("id").GetGuid();
        var keg = (await Venue.PostAsync(http, "/api/kegs", new { beerTypeId = venue.BeerTypeId, nominalVolumeMl = 200_000 })).GetProperty("id").GetGuid();
        await Venue.PostAsync(http, $"/api/taps/{tap}/connect-keg", new { kegId = keg });
        var controller = await Venue.PostAsync(http, "/api/controllers", new { name = "replay-pi", tapIds = new[] { tap } });
        var controllerId = controller.GetProperty("id").GetGuid();

        const int volumeMl = 15;
        var sessions = new List<PourSession>(pours);
        // The server's own model and provider (EF Core on Microsoft.Data.Sqlite or on Npgsql), so the rows are the ones its
        // migrations made, whichever the database.
        await using (var db = database.CreateContext())
        {
            var authorizedAt = DateTime.UtcNow;
            for (var i = 0; i < pours; i++)
            {
                var guest = venue.Guests[i % venue.Guests.Count];
                sessions.Add(new PourSession
                {
                    Id = Guid.NewGuid(), VisitId = guest.VisitId, TapId = tap, KegId = keg, ControllerId = controllerId, RequestId = Guid.NewGuid(),
                    CardUid = guest.CardUid, MaxVolumeMl = 100, PricePerLiter = Venue.PricePerLiter, AuthorizedAt = authorizedAt, SyncStatus = SyncStatus.PendingSync,
                });
            }
            db.PourSessions.AddRange(sessions);
            await db.SaveChangesAsync();
        }
        say($"{pours} pre-authorised pours written to the journal's controller");

        await using var client = new ControllerHubClient(baseAddress, controller.GetProperty("apiKey").GetString()!);
        await client.StartAsync();
        await client.Hello(new HelloRequest("load-driver", pours));
        var roundTrip = new Histogram();
        int synced = 0, other = 0, failed = 0;
        var errors = new Dictionary<string, long>();
        var method = batchSize <= 1 ? "CompletePour" : "SyncPours";
        var cpuBefore = serverCpu();
        var clock = Stopwatch.StartNew();
        var at = DateTime.UtcNow;
        // Up to `inFlight` batches are sent before the first is answered, as the agent's replayer does
        // (JournalReplayer.BatchesInFlight = 2, ADR 0070); each batch's round trip is timed from its own send.
        var pending = new Queue<(Task<List<SyncedPour>> Call, int Count, long Start)>();
        async Task CollectAsync()
        {
            var (call, count, start) = pending.Dequeue();
            List<SyncedPour> outcomes;
            try
            {
                outcomes = await call;
            }
            catch (Exception ex)
            {
                // The whole call failed (a hub error, or the link): none of its completions were acknowledged.
                Count(HubErrors.Key(method, ex));
                failed += count;
                return;
            }
            roundTrip.Record(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            foreach (var o in outcomes)
            {
                if (o.Result is null)
                {
                    // One pour of a batch the server could not record ("error: ... send it again").
                    Count($"{method} item: {HubErrors.Code(o.Error)}");
                    failed++;
                }
                else if (o.Result.Outcome == CompletePourOutcome.Synced) synced++;
                else other++;
            }
        }
        void Count(string key) => errors[key] = errors.GetValueOrDefault(key) + 1;
        async Task<List<SyncedPour>> SendAsync(List<CompletePourRequest> requests) => batchSize <= 1
            ? [new SyncedPour(requests[0].PourSessionId, await client.CompletePour(requests[0]))]
            : [.. (await client.SyncPours(new SyncPoursRequest(requests))).Results];
        foreach (var chunk in sessions.Chunk(Math.Clamp(batchSize, 1, SyncPoursRequest.MaxPours)))
        {
            if (pending.Count >= Math.Max(1, inFlight)) await CollectAsync();
            var requests = chunk.Select(s => new CompletePourRequest(s.Id, tap, volumeMl, at, at.AddSeconds(5))).ToList();
            pending.Enqueue((SendAsync(requests), requests.Count, Stopwatch.GetTimestamp()));
            if (clock.Elapsed > TimeSpan.FromMinutes(3))
            {
                say("replay stopped after 3 minutes");
                break;
            }
        }
        while (pending.Count > 0) await CollectAsync();
        clock.Stop();
        return new ReplayResult(synced + other + failed, clock.Elapsed, synced, other, failed, errors, roundTrip, serverCpu() - cpuBefore);
    }
}
