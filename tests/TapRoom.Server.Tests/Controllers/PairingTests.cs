using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.HubClient;
using TapRoom.Server.Domain;
using TapRoom.Server.Features;
using TapRoom.Server.Features.Controllers;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Controllers;

/// <summary>A controller joins by a code (CONTRACT.md, "Pairing"), through the real host and its real rate limiter.</summary>
public sealed class PairingTests
{
    [Fact]
    public async Task A_controller_gets_a_code_an_admin_adopts_it_and_its_first_poll_gets_a_key_that_connects()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var admin = await host.SignInAsync();
        using var agent = host.CreateClient();
        var tapId = await AddTapAsync(host);

        var started = await StartAsync(agent);
        Assert.Matches("^[0-9]{6}$", started.Code);
        Assert.Equal(host.Time.GetUtcNow().UtcDateTime.AddMinutes(10), started.ExpiresAt);
        Assert.Equal(PairingStatus.Waiting, (await PollAsync(agent, started)).Status);

        var adopted = await HttpAssert.OkAsync<AdoptController.Result>(
            await admin.PostAsJsonAsync("/api/controllers/adopt", new { code = started.Code, name = "pi-bar-1", tapIds = new[] { tapId } }));
        Assert.Equal(("pi-bar-1", "hw-1"), (adopted.Name, adopted.HardwareId));

        var first = await PollAsync(agent, started);
        Assert.Equal(PairingStatus.Adopted, first.Status);
        Assert.StartsWith("trk_", first.ApiKey);
        await using (var client = new ControllerHubClient(host.BaseAddress, first.ApiKey!))
        {
            await client.StartAsync();
            var hello = await client.Hello(new HelloRequest("1.2.3", 0));
            Assert.Equal(adopted.Id, hello.ControllerId);
            Assert.Equal(tapId, Assert.Single(hello.Taps).TapId);
        }
        var actions = await host.DbAsync(db => db.AuditEvents.Select(e => e.Action).ToListAsync());
        Assert.Contains(AuditActions.ControllerPairingStarted, actions);
        Assert.Contains(AuditActions.ControllerAdopted, actions);
        Assert.Contains(AuditActions.ControllerKeyDelivered, actions);
    }

    [Fact]
    public async Task The_key_goes_out_once_a_second_poll_says_adopted_without_it()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var admin = await host.SignInAsync();
        using var agent = host.CreateClient();
        var started = await StartAsync(agent);
        await HttpAssert.OkAsync<AdoptController.Result>(await admin.PostAsJsonAsync("/api/controllers/adopt", new { code = started.Code, name = "pi-1", tapIds = Array.Empty<Guid>() }));

        Assert.NotNull((await PollAsync(agent, started)).ApiKey);
        var second = await PollAsync(agent, started);
        Assert.Equal((PairingStatus.Adopted, (string?)null), (second.Status, second.ApiKey));
        var raw = await (await agent.GetAsync(PairingRoutes.Poll(started.PairingId, started.PollToken))).Content.ReadAsStringAsync();
        Assert.DoesNotContain("apiKey", raw);
    }

    [Fact]
    public async Task A_wrong_code_is_refused_with_a_problem_and_the_refusal_is_audited()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var admin = await host.SignInAsync();
        using var agent = host.CreateClient();
        var started = await StartAsync(agent);
        var wrong = started.Code == "000000" ? "000001" : "000000";

        await HttpAssert.ProblemAsync(await admin.PostAsJsonAsync("/api/controllers/adopt", new { code = wrong, name = "pi-1", tapIds = Array.Empty<Guid>() }),
            HttpStatusCode.NotFound, "pairing_code_unknown");
        await HttpAssert.ProblemAsync(await admin.PostAsJsonAsync("/api/controllers/adopt", new { code = "12ab", name = "pi-1" }),
            HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal(PairingStatus.Waiting, (await PollAsync(agent, started)).Status);
        Assert.Contains("adopt_controller.rejected", await host.DbAsync(db => db.AuditEvents.Select(e => e.Action).ToListAsync()));
        Assert.Equal(0, await host.DbAsync(db => db.Controllers.CountAsync()));
    }

    [Fact]
    public async Task A_code_expires_after_ten_minutes()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var admin = await host.SignInAsync();
        using var agent = host.CreateClient();
        var started = await StartAsync(agent);

        host.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(PairingStatus.Expired, (await PollAsync(agent, started)).Status);
        await HttpAssert.ProblemAsync(await admin.PostAsJsonAsync("/api/controllers/adopt", new { code = started.Code, name = "pi-1" }),
            HttpStatusCode.NotFound, "pairing_code_unknown");
    }

    [Fact]
    public async Task Only_an_admin_adopts()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var manager = await host.SignInAsAsync(StaffRole.Manager);
        using var agent = host.CreateClient();
        var started = await StartAsync(agent);

        Assert.Equal(HttpStatusCode.Forbidden, (await manager.PostAsJsonAsync("/api/controllers/adopt", new { code = started.Code, name = "pi-1" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await agent.PostAsJsonAsync("/api/controllers/adopt", new { code = started.Code, name = "pi-1" })).StatusCode);
        Assert.Equal(PairingStatus.Waiting, (await PollAsync(agent, started)).Status);
    }

    [Fact]
    public async Task A_poll_with_a_wrong_token_learns_nothing()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var agent = host.CreateClient();
        var started = await StartAsync(agent);

        await HttpAssert.ProblemAsync(await agent.GetAsync(PairingRoutes.Poll(started.PairingId, "tpp_wrong")), HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Starts_are_limited_per_address()
    {
        await using var host = await TapRoomHost.StartAsync(s => s["TapRoom:Pairing:StartsPerAddress"] = "3");
        using var agent = host.CreateClient();
        for (var i = 0; i < 3; i++) await StartAsync(agent);

        await HttpAssert.ProblemAsync(await agent.PostAsJsonAsync(PairingRoutes.Start, new StartPairingRequest("1.0.0", "hw-4")),
            HttpStatusCode.TooManyRequests, "rate_limited");
    }

    [Fact]
    public async Task Starts_and_adoptions_together_are_limited_overall()
    {
        await using var host = await TapRoomHost.StartAsync(s => s["TapRoom:Pairing:Overall"] = "3");
        using var admin = await host.SignInAsync();
        using var agent = host.CreateClient();
        await StartAsync(agent);
        await StartAsync(agent);
        await HttpAssert.ProblemAsync(await admin.PostAsJsonAsync("/api/controllers/adopt", new { code = "999999", name = "guess" }), HttpStatusCode.NotFound, "pairing_code_unknown");

        Assert.Equal(HttpStatusCode.TooManyRequests, (await admin.PostAsJsonAsync("/api/controllers/adopt", new { code = "999998", name = "guess" })).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await agent.PostAsJsonAsync(PairingRoutes.Start, new StartPairingRequest("1.0.0", "hw-9"))).StatusCode);
    }

    [Fact]
    public async Task A_revoked_controller_is_refused_and_joins_again_only_by_a_new_code()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var admin = await host.SignInAsync();
        using var agent = host.CreateClient();
        var started = await StartAsync(agent);
        var adopted = await HttpAssert.OkAsync<AdoptController.Result>(await admin.PostAsJsonAsync("/api/controllers/adopt", new { code = started.Code, name = "pi-1" }));
        var key = (await PollAsync(agent, started)).ApiKey!;
        await HttpAssert.OkAsync<RevokeController.Result>(await admin.PostAsync($"/api/controllers/{adopted.Id}/revoke", null));

        await using (var revoked = new ControllerHubClient(host.BaseAddress, key))
        {
            var refused = await Assert.ThrowsAnyAsync<System.Net.WebSockets.WebSocketException>(() => revoked.StartAsync());
            Assert.Contains("401", refused.Message);
        }
        // The 401 tells a revoked key (its agent pairs again by itself) from a key the server does not know (kept).
        foreach (var (bearer, code) in new[] { (key, PairingRoutes.RevokedProblemCode), ("trk_" + new string('x', 40), "unauthenticated") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, HubRoutes.Controller);
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
            await HttpAssert.ProblemAsync(await agent.SendAsync(request), HttpStatusCode.Unauthorized, code);
        }
        Assert.Equal(PairingStatus.Adopted, (await PollAsync(agent, started)).Status);

        var again = await StartAsync(agent);
        var readopted = await HttpAssert.OkAsync<AdoptController.Result>(await admin.PostAsJsonAsync("/api/controllers/adopt", new { code = again.Code, name = "pi-1" }));
        Assert.NotEqual(adopted.Id, readopted.Id);
        await using var fresh = new ControllerHubClient(host.BaseAddress, (await PollAsync(agent, again)).ApiKey!);
        await fresh.StartAsync();
        Assert.Equal(readopted.Id, (await fresh.Hello(new HelloRequest("1.0.0", 0))).ControllerId);
    }

    private static async Task<PairingStarted> StartAsync(HttpClient agent) =>
        await HttpAssert.OkAsync<PairingStarted>(await agent.PostAsJsonAsync(PairingRoutes.Start, new StartPairingRequest("1.0.0", "hw-1")));

    private static async Task<PairingPollResult> PollAsync(HttpClient agent, PairingStarted started) =>
        await HttpAssert.OkAsync<PairingPollResult>(await agent.GetAsync(PairingRoutes.Poll(started.PairingId, started.PollToken)));

    private static async Task<Guid> AddTapAsync(TapRoomHost host)
    {
        var tapId = Guid.NewGuid();
        await host.DbAsync(async db =>
        {
            db.Taps.Add(new Tap { Id = tapId, LocationId = (await db.Locations.FirstAsync()).Id, Number = 1, Name = "Tap 1", Status = TapStatus.Active });
            await db.SaveChangesAsync();
        });
        return tapId;
    }
}
