using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Features;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Shifts;

/// <summary>Opening a shift, one open shift per location, staff joining and leaving, and who may do what.</summary>
public sealed class ShiftLifecycleTests
{
    private static readonly object Empty = new { };

    [Fact]
    public async Task A_manager_opens_a_shift_and_joins_it_and_a_second_open_is_refused()
    {
        await using var host = await TapRoomHost.StartAsync();
        var world = new ShiftWorld(host);
        using var manager = await host.SignInAsAsync(StaffRole.Manager);
        var me = await world.MeAsync(manager);

        var created = await manager.PostAsJsonAsync("/api/shifts", Empty, TapRoomHost.Json);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var shift = await HttpAssert.OkAsync<ShiftDto>(created);
        Assert.Equal($"/api/shifts/{shift.Id}", created.Headers.Location?.ToString());
        Assert.Equal(ShiftStatus.Open, shift.Status);
        Assert.Equal(me.Name, shift.OpenedBy);
        Assert.Equal(host.Time.GetUtcNow().UtcDateTime, shift.OpenedAt);
        var member = Assert.Single(shift.Members);
        Assert.Equal((me.Id, StaffRole.Manager, (DateTime?)null), (member.StaffUserId, member.Role, member.LeftAt));

        var current = await HttpAssert.OkAsync<ShiftDto>(await manager.GetAsync("/api/shifts/current"));
        Assert.Equal(shift.Id, current.Id);

        var again = await manager.PostAsJsonAsync("/api/shifts", Empty, TapRoomHost.Json);
        var problem = await HttpAssert.ProblemAsync(again, HttpStatusCode.Conflict, "shift_already_open");
        Assert.Equal(shift.Id, problem.GetProperty("details").GetProperty("shiftId").GetGuid());

        var actions = await host.DbAsync(db => db.AuditEvents.Where(e => e.SubjectId == shift.Id).OrderBy(e => e.Id).Select(e => e.Action).ToListAsync());
        Assert.Equal([AuditActions.ShiftOpened, AuditActions.ShiftMemberJoined], actions);
        Assert.Equal(1, await host.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == "open_shift.rejected")));
    }

    [Fact]
    public async Task Ten_parallel_opens_give_exactly_one_open_shift()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var manager = await host.SignInAsAsync(StaffRole.Manager);
        using var start = new ManualResetEventSlim(false);
        var tasks = Enumerable.Range(0, 10).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            return await manager.PostAsJsonAsync("/api/shifts", Empty, TapRoomHost.Json);
        })).ToList();
        start.Set();
        var responses = await Task.WhenAll(tasks);

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
            await HttpAssert.ProblemAsync(refused, HttpStatusCode.Conflict, "shift_already_open");
        Assert.Equal(1, await host.DbAsync(db => db.Shifts.CountAsync(s => s.Status == ShiftStatus.Open)));
        Assert.Equal(1, await host.DbAsync(db => db.ShiftMembers.CountAsync()));
    }

    [Fact]
    public async Task Staff_join_and_leave_themselves_and_only_a_manager_adds_or_removes_someone_else()
    {
        await using var host = await TapRoomHost.StartAsync();
        var world = new ShiftWorld(host);
        using var manager = await host.SignInAsAsync(StaffRole.Manager);
        using var staff = await host.SignInAsAsync(StaffRole.Staff);
        using var other = await host.SignInAsAsync(StaffRole.Staff);
        var staffMe = await world.MeAsync(staff);
        var otherMe = await world.MeAsync(other);
        var managerMe = await world.MeAsync(manager);
        var shift = await HttpAssert.OkAsync<ShiftDto>(await manager.PostAsJsonAsync("/api/shifts", Empty, TapRoomHost.Json));

        host.Time.Advance(TimeSpan.FromMinutes(5));
        var joinedAt = host.Time.GetUtcNow().UtcDateTime;
        var joined = await HttpAssert.OkAsync<ShiftDto>(await staff.PostAsJsonAsync($"/api/shifts/{shift.Id}/members", Empty, TapRoomHost.Json));
        var m = Assert.Single(joined.Members, x => x.StaffUserId == staffMe.Id);
        Assert.Equal((StaffRole.Staff, joinedAt, (DateTime?)null), (m.Role, m.JoinedAt, m.LeftAt));
        await HttpAssert.ProblemAsync(await staff.PostAsJsonAsync($"/api/shifts/{shift.Id}/members", Empty, TapRoomHost.Json), HttpStatusCode.Conflict, "already_on_shift");

        // Staff may not add or remove anyone but themselves.
        await HttpAssert.ProblemAsync(await staff.PostAsJsonAsync($"/api/shifts/{shift.Id}/members", new { staffUserId = otherMe.Id }, TapRoomHost.Json),
            HttpStatusCode.Forbidden, "forbidden");
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/shifts/{shift.Id}/members/{managerMe.Id}/leave", null), HttpStatusCode.Forbidden, "forbidden");

        var added = await HttpAssert.OkAsync<ShiftDto>(await manager.PostAsJsonAsync($"/api/shifts/{shift.Id}/members", new { staffUserId = otherMe.Id }, TapRoomHost.Json));
        Assert.Equal(3, added.Members.Count);
        await HttpAssert.ProblemAsync(await manager.PostAsJsonAsync($"/api/shifts/{shift.Id}/members", new { staffUserId = Guid.NewGuid() }, TapRoomHost.Json),
            HttpStatusCode.NotFound, "not_found");

        host.Time.Advance(TimeSpan.FromMinutes(30));
        var leftAt = host.Time.GetUtcNow().UtcDateTime;
        var left = await HttpAssert.OkAsync<ShiftDto>(await staff.PostAsync($"/api/shifts/{shift.Id}/members/{staffMe.Id}/leave", null));
        Assert.Equal(leftAt, Assert.Single(left.Members, x => x.StaffUserId == staffMe.Id).LeftAt);
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/shifts/{shift.Id}/members/{staffMe.Id}/leave", null), HttpStatusCode.Conflict, "not_on_shift");
        var removed = await HttpAssert.OkAsync<ShiftDto>(await manager.PostAsync($"/api/shifts/{shift.Id}/members/{otherMe.Id}/leave", null));
        Assert.NotNull(Assert.Single(removed.Members, x => x.StaffUserId == otherMe.Id).LeftAt);

        // Leaving is not forever: a staff member can rejoin; both stints stay on the shift.
        var rejoined = await HttpAssert.OkAsync<ShiftDto>(await staff.PostAsJsonAsync($"/api/shifts/{shift.Id}/members", Empty, TapRoomHost.Json));
        Assert.Equal(2, rejoined.Members.Count(x => x.StaffUserId == staffMe.Id));

        var staffView = await HttpAssert.OkAsync<ShiftDto>(await staff.GetAsync($"/api/shifts/{shift.Id}"));
        Assert.Equal(rejoined.Members.Count, staffView.Members.Count);
        var audit = await host.DbAsync(db => db.AuditEvents.Where(e => e.SubjectId == shift.Id).Select(e => e.Action).ToListAsync());
        Assert.Equal(4, audit.Count(a => a == AuditActions.ShiftMemberJoined));
        Assert.Equal(2, audit.Count(a => a == AuditActions.ShiftMemberLeft));
    }

    [Fact]
    public async Task Staff_cannot_open_close_or_read_the_close_check_and_anonymous_callers_are_refused()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var manager = await host.SignInAsAsync(StaffRole.Manager);
        using var staff = await host.SignInAsAsync(StaffRole.Staff);
        using var anonymous = host.CreateClient();

        await HttpAssert.ProblemAsync(await staff.PostAsJsonAsync("/api/shifts", Empty, TapRoomHost.Json), HttpStatusCode.Forbidden, "forbidden");
        await HttpAssert.ProblemAsync(await staff.GetAsync("/api/shifts/current"), HttpStatusCode.NotFound, "no_open_shift");
        var shift = await HttpAssert.OkAsync<ShiftDto>(await manager.PostAsJsonAsync("/api/shifts", Empty, TapRoomHost.Json));

        var staffSees = await HttpAssert.OkAsync<ShiftDto>(await staff.GetAsync("/api/shifts/current"));
        Assert.Equal(shift.Id, staffSees.Id);
        await HttpAssert.ProblemAsync(await staff.GetAsync($"/api/shifts/{shift.Id}/close-check"), HttpStatusCode.Forbidden, "forbidden");
        await HttpAssert.ProblemAsync(await staff.PostAsJsonAsync($"/api/shifts/{shift.Id}/close", new { equipmentConfirmed = Array.Empty<string>() }, TapRoomHost.Json),
            HttpStatusCode.Forbidden, "forbidden");
        foreach (var report in new[] { "report", "report.csv", "report.html" })
            await HttpAssert.ProblemAsync(await staff.GetAsync($"/api/shifts/{shift.Id}/{report}"), HttpStatusCode.Forbidden, "forbidden");

        foreach (var url in new[] { "/api/shifts", "/api/shifts/current", $"/api/shifts/{shift.Id}", $"/api/shifts/{shift.Id}/close-check", $"/api/shifts/{shift.Id}/report.csv" })
            await HttpAssert.ProblemAsync(await anonymous.GetAsync(url), HttpStatusCode.Unauthorized, "unauthenticated");
        await HttpAssert.ProblemAsync(await anonymous.PostAsJsonAsync("/api/shifts", Empty, TapRoomHost.Json), HttpStatusCode.Unauthorized, "unauthenticated");
        await HttpAssert.ProblemAsync(await anonymous.PostAsJsonAsync($"/api/shifts/{shift.Id}/members", Empty, TapRoomHost.Json), HttpStatusCode.Unauthorized, "unauthenticated");

        await HttpAssert.ProblemAsync(await manager.GetAsync($"/api/shifts/{Guid.NewGuid()}/close-check"), HttpStatusCode.NotFound, "not_found");
        await HttpAssert.ProblemAsync(await manager.GetAsync($"/api/shifts/{Guid.NewGuid()}"), HttpStatusCode.NotFound, "not_found");
        await HttpAssert.ProblemAsync(await manager.PostAsync($"/api/shifts/{shift.Id}/close", JsonContent("{\"equipmentConfirmed\": 5}")),
            HttpStatusCode.BadRequest, "malformed_json");
        Assert.Equal(ShiftStatus.Open, await host.DbAsync(db => db.Shifts.Where(s => s.Id == shift.Id).Select(s => s.Status).SingleAsync()));
    }

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
