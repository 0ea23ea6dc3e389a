using Microsoft.AspNetCore.SignalR.Client;
using TapRoom.Contracts;
using TapRoom.HubClient;

namespace TapRoom.Server.Tests.Faults;

/// <summary>The server process is SIGKILLed and restarted on the same database while pours are running, three times.</summary>
public sealed class ServerKillTests
{
    private const int Taps = 3;
    private const int Rounds = 3;

    [Fact]
    public async Task Server_killed_mid_pour_repeatedly_loses_no_pour_and_charges_none_twice()
    {
        await using var server = await ChildServer.StartAsync();
        FaultVenue venue;
        using (var admin = await server.SignInAsync())
            venue = await FaultVenue.ArrangeAsync(admin, Taps, guests: Taps * (Rounds + 1), money: 40m);
        var clients = new List<ControllerHubClient>();
        foreach (var tap in venue.Taps) clients.Add(await venue.ConnectAsync(tap));
        var expected = new Dictionary<Guid, int>();
        try
        {
            for (var round = 0; round < Rounds; round++)
            {
                var pours = new List<(int Tap, Guid Session, int Volume)>();
                for (var t = 0; t < Taps; t++)
                {
                    var guest = venue.Guests[round * Taps + t];
                    var request = new AuthorizeRequest(venue.Taps[t].TapId, guest.CardUid, Guid.NewGuid());
                    var allow = await FaultVenue.UntilAnsweredAsync(clients[t], c => c.Authorize(request));
                    Assert.True(allow.Allowed, allow.Message);
                    var volume = 100 + 37 * t + round;
                    await clients[t].PourProgress(new PourProgressMessage(allow.PourSessionId!.Value, volume / 2, DateTime.UtcNow));
                    pours.Add((t, allow.PourSessionId.Value, volume));
                }
                // Tap 0 completes just as the server dies (its answer may be lost); tap 1 presents the next card as it dies.
                var inFlight = clients[0].CompletePour(Completion(venue, pours[0]));
                var nextRequest = new AuthorizeRequest(venue.Taps[1].TapId, venue.Guests[Taps * Rounds + round % Taps].CardUid, Guid.NewGuid());
                var inFlightAuthorize = round == 0 ? clients[1].Authorize(nextRequest) : null;
                await server.KillAsync();
                await Task.WhenAll(Swallow(inFlight), Swallow(inFlightAuthorize));
                await server.RestartAsync();

                for (var t = 0; t < Taps; t++)
                {
                    await FaultVenue.UntilAnsweredAsync(clients[t], c => c.Hello(new HelloRequest("fault-suite", 1)));
                    var outcome = await FaultVenue.UntilAnsweredAsync(clients[t], c => c.CompletePour(Completion(venue, pours[t])));
                    Assert.True(outcome.Outcome is CompletePourOutcome.Synced or CompletePourOutcome.Duplicate, $"{outcome.Outcome}: {outcome.Message}");
                    var again = await clients[t].CompletePour(Completion(venue, pours[t]));
                    Assert.Equal(CompletePourOutcome.Duplicate, again.Outcome);
                    expected[pours[t].Session] = pours[t].Volume;
                }
                if (inFlightAuthorize is not null)
                {
                    // The retry of the presentation that was in flight gets the same allow if the server had committed it, or a fresh one.
                    var retried = await FaultVenue.UntilAnsweredAsync(clients[1], c => c.Authorize(nextRequest));
                    Assert.True(retried.Allowed, retried.Message);
                    await FaultVenue.UntilAnsweredAsync(clients[1], c => c.CompletePour(new CompletePourRequest(retried.PourSessionId!.Value, venue.Taps[1].TapId, 55, DateTime.UtcNow, DateTime.UtcNow)));
                    expected[retried.PourSessionId!.Value] = 55;
                }
            }
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
        }
        await server.KillAsync();

        var violations = await InvariantChecker.CheckAsync(server.ReadDatabase);
        FaultVenue.AssertHolds(violations);
        var sessions = await FaultDb.SessionsAsync(server.ReadDatabase);
        foreach (var (id, volume) in expected)
            Assert.Equal((SyncStatus.Synced, (int?)volume), (sessions[id].SyncStatus, sessions[id].VolumeMl));
        Assert.All(sessions.Values, s => Assert.Equal(SyncStatus.Synced, s.SyncStatus));
        await server.RestartAsync();
    }

    private static CompletePourRequest Completion(FaultVenue venue, (int Tap, Guid Session, int Volume) pour) =>
        new(pour.Session, venue.Taps[pour.Tap].TapId, pour.Volume, new DateTime(2026, 11, 21, 20, 0, 0, DateTimeKind.Utc), new DateTime(2026, 11, 21, 20, 0, 9, DateTimeKind.Utc));

    private static async Task Swallow(Task? task)
    {
        if (task is null) return;
        try { await task.WaitAsync(TimeSpan.FromSeconds(10)); } catch (Exception) { }
    }
}
