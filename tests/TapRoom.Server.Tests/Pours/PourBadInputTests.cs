using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.HubClient;
using TapRoom.Server.Features;
using TapRoom.Server.Features.Controllers;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Pours;

/// <summary>Whatever a controller sends, it gets a clear code and nothing half-applies.</summary>
public sealed class PourBadInputTests
{
    [Fact]
    public async Task Malformed_payloads_get_a_malformed_message_or_validation_error_and_change_nothing()
    {
        await using var world = await PourWorld.StartAsync();
        var (tap, _, client) = await world.TapWithControllerAsync();
        var guest = await world.GuestAsync();
        var allow = await client.Authorize(PourWorld.Present(tap, guest));
        var before = await world.SnapshotAsync();

        var wrongTypes = await Assert.ThrowsAsync<HubException>(() => client.Connection.InvokeAsync<object>("Authorize", new { tapId = "x" }));
        Assert.Contains("malformed_message: the arguments of 'Authorize' do not match", wrongTypes.Message);
        var volumeText = await Assert.ThrowsAsync<HubException>(() => client.Connection.InvokeAsync<object>("CompletePour",
            new { pourSessionId = allow.PourSessionId, tapId = tap.TapId, volumeMl = "a lot", startedAt = world.Now, endedAt = world.Now }));
        Assert.Contains("malformed_message", volumeText.Message);
        var noArgument = await Assert.ThrowsAsync<HubException>(() => client.Connection.InvokeAsync<object>("CompletePour"));
        Assert.Contains("malformed_message", noArgument.Message);

        var empty = await Assert.ThrowsAsync<HubException>(() => client.Connection.InvokeAsync<object>("Authorize", new { }));
        Assert.Contains("validation_failed", empty.Message);
        Assert.Contains("tapId", empty.Message);
        var badUid = await Assert.ThrowsAsync<HubException>(() => client.Authorize(new AuthorizeRequest(tap.TapId, "not-a-uid", Guid.NewGuid())));
        Assert.StartsWith("validation_failed", badUid.Message[(badUid.Message.IndexOf("HubException: ", StringComparison.Ordinal) + 14)..]);
        var emptySession = await Assert.ThrowsAsync<HubException>(() => client.CompletePour(PourWorld.Completion(Guid.Empty, tap, 10)));
        Assert.Contains("validation_failed", emptySession.Message);

        // Progress nobody should believe is dropped: backwards, negative, absurd, unknown session.
        await client.PourProgress(new PourProgressMessage(allow.PourSessionId!.Value, -5, world.Now));
        await client.PourProgress(new PourProgressMessage(allow.PourSessionId.Value, 1_000_000, world.Now));
        await client.PourProgress(new PourProgressMessage(Guid.NewGuid(), 50, world.Now));
        await client.Connection.SendAsync("PourProgress", new { pourSessionId = "nope" });
        Assert.NotNull(await client.Hello(new HelloRequest("still-connected", 0)));
        Assert.Equal(before, await world.SnapshotAsync());
    }

    [Fact]
    public async Task Completions_for_unknown_or_foreign_sessions_wrong_taps_and_impossible_volumes_are_rejected_and_change_nothing()
    {
        await using var world = await PourWorld.StartAsync();
        var (tap, _, client) = await world.TapWithControllerAsync();
        var (otherTap, _, otherClient) = await world.TapWithControllerAsync();
        var (secondTap, _, _) = await world.TapWithControllerAsync();
        var guest = await world.GuestAsync();
        var allow = await client.Authorize(PourWorld.Present(tap, guest));
        var sessionId = allow.PourSessionId!.Value;
        var before = await world.SnapshotAsync();

        var cases = new (ControllerHubClient Client, CompletePourRequest Request, string Code)[]
        {
            (client, PourWorld.Completion(Guid.NewGuid(), tap, 100), "unknown_session"),
            (otherClient, PourWorld.Completion(sessionId, otherTap, 100), "not_your_session"),
            (client, PourWorld.Completion(sessionId, secondTap, 100), "tap_mismatch"),
            (client, PourWorld.Completion(sessionId, tap, -1), "invalid_volume"),
            (client, PourWorld.Completion(sessionId, tap, 100_001), "invalid_volume"),
        };
        foreach (var (c, request, code) in cases)
        {
            var result = await c.CompletePour(request);
            Assert.Equal(CompletePourOutcome.Rejected, result.Outcome);
            Assert.Equal(0m, result.ChargedAmount);
            Assert.StartsWith(code + ":", result.Message);
        }
        Assert.Equal(before, await world.SnapshotAsync());
        Assert.Equal(cases.Length, await world.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == AuditActions.PourSyncRejected)));

        // Progress for another controller's session is ignored too; the real owner still completes normally.
        await otherClient.PourProgress(new PourProgressMessage(sessionId, 300, world.Now));
        Assert.NotNull(await otherClient.Hello(new HelloRequest("x", 0)));
        Assert.Equal(0, await world.DbAsync(db => db.PourSessions.Where(p => p.Id == sessionId).Select(p => p.LastProgressMl).SingleAsync()));
        Assert.Equal(CompletePourOutcome.Synced, (await client.CompletePour(PourWorld.Completion(sessionId, tap, 100))).Outcome);

        var flowElsewhere = await Assert.ThrowsAsync<HubException>(() => client.Connection.InvokeAsync("FlowWithoutPour", new FlowWithoutPourMessage(otherTap.TapId, 10, world.Now)));
        Assert.Contains("tap_not_assigned", flowElsewhere.Message);
    }

    [Fact]
    public async Task Controllers_are_listed_for_staff_and_a_revoked_key_is_refused_and_its_open_connection_aborted()
    {
        await using var world = await PourWorld.StartAsync();
        var (tap, controller, client) = await world.TapWithControllerAsync();
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Connection.Reconnecting += _ => { closed.TrySetResult(); return Task.CompletedTask; };
        client.Connection.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };

        using var staff = await world.Host.SignInAsAsync(StaffRole.Staff);
        var listed = await HttpAssert.OkAsync<List<ControllerStatusDto>>(await staff.GetAsync("/api/controllers"));
        var row = Assert.Single(listed);
        Assert.Equal((controller.Id, true), (row.Id, row.Online));
        Assert.Equal([tap.TapId], row.TapIds);
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/controllers/{controller.Id}/revoke", null), HttpStatusCode.Forbidden, "forbidden");
        using var anonymous = world.Host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/controllers")).StatusCode);

        using var admin = await world.Host.SignInAsync();
        await HttpAssert.ProblemAsync(await admin.PostAsync($"/api/controllers/{Guid.NewGuid()}/revoke", null), HttpStatusCode.NotFound, "not_found");
        var revoked = await HttpAssert.OkAsync<RevokeController.Result>(await admin.PostAsync($"/api/controllers/{controller.Id}/revoke", null));
        Assert.Equal(controller.Id, revoked.Id);
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotEqual(HubConnectionState.Connected, client.Connection.State);

        await using var again = new ControllerHubClient(world.Host.BaseAddress, controller.ApiKey);
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => again.StartAsync());
        Assert.Contains("401", refused.ToString());
        Assert.False(Assert.Single(await HttpAssert.OkAsync<List<ControllerStatusDto>>(await staff.GetAsync("/api/controllers"))).Online);
        Assert.True(await world.DbAsync(db => db.AuditEvents.AnyAsync(e => e.Action == AuditActions.ControllerRevoked && e.SubjectId == controller.Id)));
    }
}
