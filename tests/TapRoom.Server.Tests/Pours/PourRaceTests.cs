using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;
using TapRoom.Contracts;
using TapRoom.HubClient;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Pours;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Pours;

/// <summary>
/// Rules 3 to 6 under real concurrency on each provider (./test.sh runs them on SQLite and again on PostgreSQL, where
/// commands run at once under READ COMMITTED): many completions on one keg and one visit, a completion racing a
/// manager's reconcile, and transient database failures forced by an interceptor.
/// </summary>
public sealed class PourRaceTests
{
    [Fact]
    public async Task Fifty_completions_of_different_pours_on_one_keg_and_one_visit_in_parallel_leave_exact_totals()
    {
        await using var world = await PourWorld.StartAsync();
        var (tap, controller, _) = await world.TapWithControllerAsync(pricePerLiter: 6m, kegMl: 50_000);
        var guest = await world.GuestAsync(balance: 500m, volumeLimitMl: 100_000);
        // Fifty pours of this visit on this keg, pending as after a journal replay's authorisations.
        var pours = Enumerable.Range(0, 50).Select(i => (Id: Guid.NewGuid(), VolumeMl: 100 + 7 * i)).ToList();
        await world.DbAsync(async db =>
        {
            foreach (var (id, _) in pours)
                db.PourSessions.Add(PourLifecycle.Authorise(id, guest.VisitId, tap.TapId, tap.KegId, controller.Id, Guid.NewGuid(), guest.CardUid, 1000, 6m, world.Now));
            return await db.SaveChangesAsync();
        });

        var connections = new List<ControllerHubClient>();
        for (var i = 0; i < 10; i++) connections.Add(await world.ConnectAsync(controller));
        try
        {
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var runs = connections.Select((c, i) => Task.Run(async () =>
            {
                await start.Task;
                var outcomes = new List<CompletePourResult>();
                foreach (var (id, ml) in pours.Where((_, n) => n % connections.Count == i))
                    outcomes.Add(await c.CompletePour(PourWorld.Completion(id, tap, ml)));
                return outcomes;
            })).ToArray();
            start.SetResult();
            var results = (await Task.WhenAll(runs)).SelectMany(r => r).ToList();
            Assert.All(results, r => Assert.Equal(CompletePourOutcome.Synced, r.Outcome));
        }
        finally
        {
            foreach (var c in connections) await c.DisposeAsync();
        }

        var volume = pours.Sum(p => p.VolumeMl);
        var charged = pours.Sum(p => Money.PriceOf(6m, p.VolumeMl));
        var (keg, balance, poured, ledgerSum, charges) = await world.DbAsync(async db => (
            await db.Kegs.Where(k => k.Id == tap.KegId).Select(k => k.RemainingVolumeMl).SingleAsync(),
            await db.Visits.Where(v => v.Id == guest.VisitId).Select(v => v.Balance).SingleAsync(),
            await db.Visits.Where(v => v.Id == guest.VisitId).Select(v => v.PouredVolumeMl).SingleAsync(),
            (await db.Ledger.Where(e => e.VisitId == guest.VisitId).Select(e => e.Amount).ToListAsync()).Sum(),
            await db.Ledger.CountAsync(e => e.VisitId == guest.VisitId && e.Kind == LedgerKind.PourCharge)));
        Assert.Equal(50_000 - volume, keg);
        Assert.Equal(500m - charged, balance);
        Assert.Equal(balance, ledgerSum);
        Assert.Equal(volume, poured);
        Assert.Equal(50, charges);
    }

    [Fact]
    public async Task A_completion_racing_a_managers_reconcile_is_charged_exactly_once_twenty_rounds_over()
    {
        await using var world = await PourWorld.StartAsync();
        var (tap, controller, client) = await world.TapWithControllerAsync(pricePerLiter: 5m, kegMl: 50_000);
        var guest = await world.GuestAsync(balance: 400m, volumeLimitMl: 100_000);
        using var manager = await world.Host.SignInAsAsync(StaffRole.Manager);
        await using var second = await world.ConnectAsync(controller);
        var outcomes = new List<string>();

        for (var round = 0; round < 20; round++)
        {
            var allow = await client.Authorize(PourWorld.Present(tap, guest));
            Assert.True(allow.Allowed, allow.Message);
            var session = allow.PourSessionId!.Value;
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var completion = Task.Run(async () => { await start.Task; return await second.CompletePour(PourWorld.Completion(session, tap, 300)); });
            var reconcile = Task.Run(async () =>
            {
                await start.Task;
                return await manager.PostAsJsonAsync($"/api/visits/{guest.VisitId}/reconcile-pour",
                    new { pourSessionId = session, volumeMl = 300, comment = $"race {round}" }, TapRoomHost.Json);
            });
            start.SetResult();
            var (done, reconciled) = (await completion, await reconcile);

            // Whoever came first charged; the other got its rule's answer, never a second charge.
            if (reconciled.IsSuccessStatusCode)
                Assert.Contains(done.Outcome, new[] { CompletePourOutcome.LateSyncMatched, CompletePourOutcome.Duplicate });
            else
            {
                Assert.Equal(HttpStatusCode.Conflict, reconciled.StatusCode);
                Assert.Contains("pour_not_pending", await reconciled.Content.ReadAsStringAsync());
                Assert.Equal(CompletePourOutcome.Synced, done.Outcome);
            }
            outcomes.Add(reconciled.IsSuccessStatusCode ? "reconciled" : "synced");
            var charges = await world.DbAsync(db => db.Ledger.CountAsync(e => e.PourSessionId == session && e.Kind == LedgerKind.PourCharge));
            Assert.Equal(1, charges);
            Assert.Null(await world.DbAsync(db => db.Visits.Where(v => v.Id == guest.VisitId).Select(v => v.ActiveTapId).SingleAsync()));
        }
        var (balance, kegLeft) = await world.DbAsync(async db => (
            await db.Visits.Where(v => v.Id == guest.VisitId).Select(v => v.Balance).SingleAsync(),
            await db.Kegs.Where(k => k.Id == tap.KegId).Select(k => k.RemainingVolumeMl).SingleAsync()));
        Assert.Equal(400m - 20 * 1.50m, balance);
        Assert.Equal(50_000 - 20 * 300, kegLeft);
    }

    [Fact]
    public async Task A_transient_failure_of_the_lock_is_retried_and_past_the_retries_answered_server_busy_with_nothing_half_applied()
    {
        var faults = new InjectedFaults();
        await using var world = await PourWorld.StartAsync(configure: b => b.Services.AddSingleton<IInterceptor>(faults));
        var (tap, _, client) = await world.TapWithControllerAsync(pricePerLiter: 5m);
        var guest = await world.GuestAsync(balance: 30m);

        // Twice 40001 on the lock's UPDATE: the command runs again and the guest is served once.
        faults.Fail("UPDATE \"Visits\"", times: 2);
        var allowed = await client.Authorize(PourWorld.Present(tap, guest));
        Assert.True(allowed.Allowed, allowed.Message);
        Assert.Equal(0, faults.Left);
        Assert.Equal(1, await world.DbAsync(db => db.PourSessions.CountAsync(p => p.VisitId == guest.VisitId)));
        Assert.Equal(CompletePourOutcome.Synced, (await client.CompletePour(PourWorld.Completion(allowed.PourSessionId!.Value, tap, 200))).Outcome);

        // Failing every time: a clean server_busy deny; no pour, no lock, no charge.
        faults.Fail("UPDATE \"Visits\"", times: int.MaxValue);
        var busy = await client.Authorize(PourWorld.Present(tap, guest));
        Assert.False(busy.Allowed);
        Assert.Equal(DenyReason.ServerBusy, busy.DenyReason);
        Assert.Contains("try again", busy.Message);
        var (sessions, locked, balance) = await world.DbAsync(async db => (
            await db.PourSessions.CountAsync(p => p.VisitId == guest.VisitId),
            await db.Visits.Where(v => v.Id == guest.VisitId).Select(v => v.ActiveTapId).SingleAsync(),
            await db.Visits.Where(v => v.Id == guest.VisitId).Select(v => v.Balance).SingleAsync()));
        Assert.Equal((1, (Guid?)null, 29m), (sessions, locked, balance));

        // A completion whose keg statement keeps failing: server_busy, the pour stays pending and uncharged.
        faults.Fail("", times: 0);
        var next = await client.Authorize(PourWorld.Present(tap, guest));
        Assert.True(next.Allowed, next.Message);
        faults.Fail("UPDATE \"Kegs\"", times: int.MaxValue);
        var refused = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => client.CompletePour(PourWorld.Completion(next.PourSessionId!.Value, tap, 100)));
        Assert.Contains("server_busy", refused.Message);
        var (state, charges, kegLeft) = await world.DbAsync(async db => (
            await db.PourSessions.Where(p => p.Id == next.PourSessionId).Select(p => p.SyncStatus).SingleAsync(),
            await db.Ledger.CountAsync(e => e.PourSessionId == next.PourSessionId),
            await db.Kegs.Where(k => k.Id == tap.KegId).Select(k => k.RemainingVolumeMl).SingleAsync()));
        Assert.Equal((SyncStatus.PendingSync, 0, 20_000 - 200), (state, charges, kegLeft));

        // The failure passes: the journal's resend is charged once.
        faults.Fail("", times: 0);
        Assert.Equal(CompletePourOutcome.Synced, (await client.CompletePour(PourWorld.Completion(next.PourSessionId!.Value, tap, 100))).Outcome);
        Assert.Equal(28.50m, await world.DbAsync(db => db.Visits.Where(v => v.Id == guest.VisitId).Select(v => v.Balance).SingleAsync()));
    }

    /// <summary>Makes statements that contain a text fail with PostgreSQL's serialization failure (40001), on either provider.</summary>
    private sealed class InjectedFaults : DbCommandInterceptor
    {
        private string _text = "";
        private int _left;

        public int Left => Volatile.Read(ref _left);

        public void Fail(string text, int times) => (_text, _left) = (text, times);

        private void Check(DbCommand command)
        {
            if (Volatile.Read(ref _left) <= 0 || !command.CommandText.Contains(_text, StringComparison.Ordinal)) return;
            if (Interlocked.Decrement(ref _left) >= 0)
                throw new PostgresException("could not serialize access (injected by the test)", "ERROR", "ERROR", PostgresErrorCodes.SerializationFailure);
        }

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            Check(command);
            return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
        }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Check(command);
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }
    }
}
