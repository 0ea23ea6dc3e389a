using System.Net;
using System.Net.Http.Json;
using TapRoom.Contracts;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Security;

/// <summary>
/// A cookie copied from a session (another tab, a stolen copy) stops working on the server the moment the session
/// ends: after sign-out, a password change, a role change and deactivation. Sign-out ends only its own session; "sign
/// out everywhere" ends them all (docs/adr/0081).
/// </summary>
public sealed class SessionEndTests
{
    private sealed record User(Guid Id, string Login, string Password, HttpClient Client, HttpClient Copy, CookieContainer Cookies) : IDisposable
    {
        public void Dispose()
        {
            Client.Dispose();
            Copy.Dispose();
        }
    }

    /// <summary>Signs a new user in and makes a second client carrying a copy of the same cookie.</summary>
    private static async Task<User> SignedInUserAsync(TapRoomHost host, HttpClient admin, StaffRole role = StaffRole.Staff)
    {
        var login = $"u{Guid.NewGuid():N}"[..16];
        const string password = "password-123";
        var created = await HttpAssert.OkAsync<StaffUserDto>(
            await admin.PostAsJsonAsync("/api/staff", new { login, name = "Session User", password, role }, TapRoomHost.Json));
        var cookies = new CookieContainer();
        var client = host.CreateClient(cookies);
        (await client.PostAsJsonAsync("/api/auth/login", new { login, password }, TapRoomHost.Json)).EnsureSuccessStatusCode();
        var copy = host.CreateClient();
        copy.DefaultRequestHeaders.Add("Cookie", cookies.GetCookieHeader(host.BaseAddress));
        Assert.Equal(HttpStatusCode.OK, (await copy.GetAsync("/api/auth/me")).StatusCode);
        return new User(created.Id, login, password, client, copy, cookies);
    }

    private static async Task AssertEndedAsync(HttpClient client) =>
        await HttpAssert.ProblemAsync(await client.GetAsync("/api/auth/me"), HttpStatusCode.Unauthorized, "unauthenticated");

    [Fact]
    public async Task Sign_out_ends_the_copied_cookie_too()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var admin = await host.SignInAsync();
        using var user = await SignedInUserAsync(host, admin);

        Assert.Equal(HttpStatusCode.NoContent, (await user.Client.PostAsync("/api/auth/logout", null)).StatusCode);

        await AssertEndedAsync(user.Copy);
        await AssertEndedAsync(user.Client);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/auth/me")).StatusCode);
    }

    [Fact]
    public async Task Sign_out_ends_this_session_only_and_another_browser_stays_signed_in()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var admin = await host.SignInAsync();
        using var user = await SignedInUserAsync(host, admin);
        using var otherBrowser = await host.SignInAsync(user.Login, user.Password);

        Assert.Equal(HttpStatusCode.NoContent, (await user.Client.PostAsync("/api/auth/logout", null)).StatusCode);

        await AssertEndedAsync(user.Client);
        await AssertEndedAsync(user.Copy);
        Assert.Equal(HttpStatusCode.OK, (await otherBrowser.GetAsync("/api/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await otherBrowser.GetAsync("/api/taps")).StatusCode);
    }

    [Fact]
    public async Task Sign_out_everywhere_ends_every_session_of_the_user_and_no_one_elses()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var admin = await host.SignInAsync();
        using var user = await SignedInUserAsync(host, admin);
        using var otherBrowser = await host.SignInAsync(user.Login, user.Password);

        Assert.Equal(HttpStatusCode.NoContent, (await user.Client.PostAsync("/api/auth/logout-everywhere", null)).StatusCode);

        await AssertEndedAsync(user.Client);
        await AssertEndedAsync(user.Copy);
        await AssertEndedAsync(otherBrowser);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/auth/me")).StatusCode);
        using var again = host.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await again.PostAsJsonAsync("/api/auth/login", new { login = user.Login, password = user.Password }, TapRoomHost.Json)).StatusCode);
        var audit = await HttpAssert.OkAsync<List<AuditEventDto>>(await admin.GetAsync($"/api/audit?subject=staff_user&subjectId={user.Id}"));
        Assert.Contains(audit, e => e.Action == "staff_user.signed_out_everywhere");
    }

    [Fact]
    public async Task A_sign_in_deletes_the_users_ended_and_long_unused_sessions()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var admin = await host.SignInAsync();
        using var user = await SignedInUserAsync(host, admin);
        using (var signedOut = await host.SignInAsync(user.Login, user.Password))
            Assert.Equal(HttpStatusCode.NoContent, (await signedOut.PostAsync("/api/auth/logout", null)).StatusCode);
        Task<int> Rows() => host.DbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.StaffSessions, s => s.StaffUserId == user.Id));
        Assert.Equal(2, await Rows());

        host.Time.Advance(TimeSpan.FromHours(15)); // the first session's cookie has died unused
        using var again = await host.SignInAsync(user.Login, user.Password);
        Assert.Equal(1, await Rows());
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/api/auth/me")).StatusCode);
    }

    [Fact]
    public async Task Sign_out_everywhere_needs_a_session()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var anonymous = host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/api/auth/logout-everywhere", null)).StatusCode);
    }

    [Fact]
    public async Task A_password_change_ends_the_other_sessions_and_keeps_the_changing_one()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var admin = await host.SignInAsync();
        using var user = await SignedInUserAsync(host, admin);

        await HttpAssert.ProblemAsync(await user.Client.PostAsJsonAsync("/api/auth/password", new { currentPassword = "wrong-password", newPassword = "new-password-1" }, TapRoomHost.Json),
            HttpStatusCode.BadRequest, "invalid_credentials");
        Assert.Equal(HttpStatusCode.OK, (await user.Copy.GetAsync("/api/auth/me")).StatusCode);

        var changed = await user.Client.PostAsJsonAsync("/api/auth/password", new { currentPassword = user.Password, newPassword = "new-password-1" }, TapRoomHost.Json);
        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);

        await AssertEndedAsync(user.Copy);
        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync("/api/auth/me")).StatusCode);
        using var again = host.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await again.PostAsJsonAsync("/api/auth/login", new { login = user.Login, password = "new-password-1" }, TapRoomHost.Json)).StatusCode);
    }

    [Fact]
    public async Task A_role_change_ends_the_users_sessions()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var admin = await host.SignInAsync();
        using var user = await SignedInUserAsync(host, admin, StaffRole.Manager);

        var changed = await HttpAssert.OkAsync<StaffUserDto>(await admin.PutAsJsonAsync($"/api/staff/{user.Id}/role", new { role = "staff" }, TapRoomHost.Json));
        Assert.Equal(StaffRole.Staff, changed.Role);

        await AssertEndedAsync(user.Copy);
        await AssertEndedAsync(user.Client);
        // Signing in again gives the new role.
        using var again = await host.SignInAsync(user.Login, user.Password);
        Assert.Equal(StaffRole.Staff, (await again.GetFromJsonAsync<StaffUserDto>("/api/auth/me", TapRoomHost.Json))!.Role);
    }

    [Fact]
    public async Task Deactivation_ends_the_users_sessions_and_sign_in_and_only_an_admin_may_do_it()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var admin = await host.SignInAsync();
        using var user = await SignedInUserAsync(host, admin);
        using var manager = await host.SignInAsAsync(StaffRole.Manager);
        await using var live = await TapRoom.Server.Tests.Dashboard.DashboardTestClient.ConnectAsync(host.BaseAddress, user.Cookies);

        await HttpAssert.ProblemAsync(await manager.PostAsync($"/api/staff/{user.Id}/deactivate", null), HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.OK, (await user.Copy.GetAsync("/api/auth/me")).StatusCode);
        var me = (await admin.GetFromJsonAsync<StaffUserDto>("/api/auth/me", TapRoomHost.Json))!;
        await HttpAssert.ProblemAsync(await admin.PostAsync($"/api/staff/{me.Id}/deactivate", null), HttpStatusCode.Conflict, "own_account");

        var deactivated = await HttpAssert.OkAsync<StaffUserDto>(await admin.PostAsync($"/api/staff/{user.Id}/deactivate", null));
        Assert.False(deactivated.IsActive);

        await AssertEndedAsync(user.Copy);
        await AssertEndedAsync(user.Client);
        // The user's live dashboard connection is closed by the server, not left receiving pushes.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!live.IsClosed && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.True(live.IsClosed, "the dashboard connection of the deactivated user is still open");
        using var again = host.CreateClient();
        await HttpAssert.ProblemAsync(await again.PostAsJsonAsync("/api/auth/login", new { login = user.Login, password = user.Password }, TapRoomHost.Json),
            HttpStatusCode.Unauthorized, "invalid_credentials");
        var listed = await admin.GetFromJsonAsync<List<StaffUserDto>>("/api/staff", TapRoomHost.Json);
        Assert.False(listed!.Single(u => u.Id == user.Id).IsActive);
    }
}
