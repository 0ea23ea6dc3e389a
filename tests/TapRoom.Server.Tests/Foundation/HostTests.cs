using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Foundation;

public sealed class HostTests
{
    [Fact]
    public async Task A_first_start_creates_a_migrated_wal_database_with_a_location_and_an_admin_and_a_second_start_reuses_it()
    {
        await using var host = await TapRoomHost.StartAsync(s => s["TapRoom:InitialAdminPassword"] = null);
        using var client = host.CreateClient();

        var health = await client.GetFromJsonAsync<JsonElement>("/healthz");
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.True(File.Exists(host.DatabasePath));

        var mode = await host.DbAsync(db => db.Database.SqlQueryRaw<string>("PRAGMA journal_mode").ToListAsync());
        Assert.Equal("wal", mode.Single());

        // No configured password: one was generated and written to a file only the owner can read.
        var passwordFile = Path.Combine(host.DataDirectory, "initial-admin-password.txt");
        var password = (await File.ReadAllTextAsync(passwordFile)).Trim();
        Assert.True(password.Length >= 16);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(passwordFile));
        using (await host.SignInAsync("admin", password)) { }

        var location = await host.DbAsync(db => db.Locations.AsNoTracking().SingleAsync());
        Assert.Equal(120, location.Policies.LockTimeoutSeconds);
        Assert.Equal(8000, location.Policies.FlowIdleTimeoutMs);
        Assert.Equal(1000, location.Policies.PerPourCapMl);
        Assert.Equal(2000, location.Policies.VisitVolumeLimitMl);
        Assert.Equal(18, location.Policies.LegalAge);
        Assert.True(location.Policies.PouringRequiresOpenShift);

        await host.RestartAsync(s => s["TapRoom:InitialAdminPassword"] = "ignored-because-users-exist");
        Assert.Equal(1, await host.DbAsync(db => db.Locations.CountAsync()));
        Assert.Equal(1, await host.DbAsync(db => db.StaffUsers.CountAsync()));
        Assert.Equal(password, (await File.ReadAllTextAsync(passwordFile)).Trim());
        using (await host.SignInAsync("admin", password)) { }
    }

    [Fact]
    public async Task Unknown_routes_and_malformed_json_get_problem_details()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var client = await host.SignInAsync();

        await HttpAssert.ProblemAsync(await client.GetAsync("/api/no-such-thing"), HttpStatusCode.NotFound, "not_found");

        var malformed = new StringContent("{\"login\": ", Encoding.UTF8, "application/json");
        await HttpAssert.ProblemAsync(await client.PostAsync("/api/auth/login", malformed), HttpStatusCode.BadRequest, "malformed_json");

        var wrongType = new StringContent("{\"login\": 5, \"password\": []}", Encoding.UTF8, "application/json");
        await HttpAssert.ProblemAsync(await client.PostAsync("/api/auth/login", wrongType), HttpStatusCode.BadRequest, "malformed_json");

        var invalid = await client.PostAsJsonAsync("/api/staff", new { login = "", name = "", password = "short", role = "staff" });
        var problem = await HttpAssert.ProblemAsync(invalid, HttpStatusCode.BadRequest, "validation_failed");
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("login", out _));
        Assert.True(errors.TryGetProperty("password", out _));

        var badEnum = await client.PostAsJsonAsync("/api/staff", new { login = "x1", name = "X", password = "password-1", role = "emperor" });
        await HttpAssert.ProblemAsync(badEnum, HttpStatusCode.BadRequest, "malformed_json");

        var huge = new StringContent("{\"login\":\"" + new string('a', 300_000) + "\"}", Encoding.UTF8, "application/json");
        await HttpAssert.ProblemAsync(await client.PostAsync("/api/auth/login", huge), HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task A_wrong_password_is_refused_exactly_like_an_unknown_user()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var client = host.CreateClient();

        var wrong = await client.PostAsJsonAsync("/api/auth/login", new { login = "admin", password = "not-the-password" });
        var unknown = await client.PostAsJsonAsync("/api/auth/login", new { login = "nobody", password = "not-the-password" });
        var a = await HttpAssert.ProblemAsync(wrong, HttpStatusCode.Unauthorized, "invalid_credentials");
        var b = await HttpAssert.ProblemAsync(unknown, HttpStatusCode.Unauthorized, "invalid_credentials");
        Assert.Equal(a.GetProperty("detail").GetString(), b.GetProperty("detail").GetString());
        Assert.Equal(a.GetProperty("title").GetString(), b.GetProperty("title").GetString());
        Assert.False(wrong.Headers.Contains("Set-Cookie"));

        await HttpAssert.ProblemAsync(await client.GetAsync("/api/auth/me"), HttpStatusCode.Unauthorized, "unauthenticated");

        // Refusals are audited, without the password.
        var audits = await host.DbAsync(db => db.AuditEvents.Where(e => e.Action == "sign_in.rejected").ToListAsync());
        Assert.Equal(2, audits.Count);
        Assert.DoesNotContain(audits, e => e.DetailsJson.Contains("not-the-password"));
    }

    [Fact]
    public async Task Sign_in_sets_an_http_only_strict_cookie_and_roles_are_enforced()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var raw = host.CreateClient();
        var login = await raw.PostAsJsonAsync("/api/auth/login", new { login = "admin", password = TapRoomHost.AdminPassword });
        var cookie = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("taproom.auth=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);

        var me = await raw.GetFromJsonAsync<StaffUserDto>("/api/auth/me", TapRoomHost.Json);
        Assert.Equal(StaffRole.Admin, me!.Role);

        using var staff = await host.SignInAsAsync(StaffRole.Staff);
        Assert.Equal(StaffRole.Staff, (await staff.GetFromJsonAsync<StaffUserDto>("/api/auth/me", TapRoomHost.Json))!.Role);
        await HttpAssert.ProblemAsync(await staff.GetAsync("/api/staff"), HttpStatusCode.Forbidden, "forbidden");

        using var manager = await host.SignInAsAsync(StaffRole.Manager);
        await HttpAssert.ProblemAsync(await manager.PostAsJsonAsync("/api/staff", new { login = "x2", name = "X", password = "password-1", role = "admin" }),
            HttpStatusCode.Forbidden, "forbidden");

        await HttpAssert.ProblemAsync(await host.CreateClient().GetAsync("/api/staff"), HttpStatusCode.Unauthorized, "unauthenticated");

        Assert.Equal(HttpStatusCode.NoContent, (await raw.PostAsync("/api/auth/logout", null)).StatusCode);
        await HttpAssert.ProblemAsync(await raw.GetAsync("/api/auth/me"), HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task Sign_in_attempts_are_rate_limited()
    {
        await using var host = await TapRoomHost.StartAsync(s => s["TapRoom:Login:AttemptsPerMinute"] = "3");
        using var client = host.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            var r = await client.PostAsJsonAsync("/api/auth/login", new { login = "admin", password = "guess" + i });
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        }
        var limited = await client.PostAsJsonAsync("/api/auth/login", new { login = "admin", password = TapRoomHost.AdminPassword });
        await HttpAssert.ProblemAsync(limited, HttpStatusCode.TooManyRequests, "rate_limited");
    }

    [Fact]
    public async Task The_openapi_document_is_served_to_staff_and_lists_the_routes()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var client = await host.SignInAsAsync(StaffRole.Staff);
        var doc = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = doc.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/auth/login", out _));
        Assert.True(paths.TryGetProperty("/healthz", out _));
    }

    [Fact]
    public async Task Secrets_never_reach_the_log_files()
    {
        const string secret = "very-secret-initial-password";
        await using var host = await TapRoomHost.StartAsync(s =>
        {
            s["TapRoom:InitialAdminPassword"] = secret;
            s["Serilog:MinimumLevel:Default"] = "Debug";
            s["Serilog:MinimumLevel:Override:Microsoft.AspNetCore"] = "Debug";
        });
        using (await host.SignInAsync("admin", secret)) { }
        using var client = host.CreateClient();
        await client.PostAsJsonAsync("/api/auth/login", new { login = "admin", password = "wrong-" + secret });
        await client.GetAsync("/healthz?access_token=" + secret);

        await host.RestartAsync(); // flushes the file sink
        var logs = Directory.GetFiles(Path.Combine(host.DataDirectory, "logs"));
        Assert.NotEmpty(logs);
        var text = string.Concat(logs.Select(f =>
        {
            using var s = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return new StreamReader(s).ReadToEnd();
        }));
        Assert.Contains("/api/auth/login", text);
        Assert.DoesNotContain(secret, text);
    }
}
