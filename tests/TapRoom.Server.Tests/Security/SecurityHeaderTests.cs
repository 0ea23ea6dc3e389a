using System.Net;
using System.Net.Http.Json;
using TapRoom.Contracts;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Security;

public sealed class SecurityHeaderTests
{
    private static void AssertSecurityHeaders(HttpResponseMessage response, string what)
    {
        string Header(string name) => response.Headers.TryGetValues(name, out var v) ? string.Join(",", v)
            : response.Content.Headers.TryGetValues(name, out var c) ? string.Join(",", c) : throw new Xunit.Sdk.XunitException($"{what}: no {name} header");

        var csp = Header("Content-Security-Policy");
        Assert.Contains("default-src 'self'", csp);
        Assert.Contains("script-src 'self';", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Contains("object-src 'none'", csp);
        Assert.Matches(@"connect-src 'self' ws://127\.0\.0\.1:\d+", csp);
        Assert.Equal("nosniff", Header("X-Content-Type-Options"));
        Assert.Equal("DENY", Header("X-Frame-Options"));
        Assert.Equal("no-referrer", Header("Referrer-Policy"));
        Assert.Contains("camera=()", Header("Permissions-Policy"));
        Assert.Contains("geolocation=()", Header("Permissions-Policy"));
    }

    [Fact]
    public async Task The_web_app_the_api_and_their_errors_carry_the_security_headers()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var anonymous = host.CreateClient();
        using var staff = await host.SignInAsAsync(StaffRole.Staff);

        AssertSecurityHeaders(await anonymous.GetAsync("/"), "/");
        AssertSecurityHeaders(await anonymous.GetAsync("/taps"), "/taps");
        AssertSecurityHeaders(await anonymous.GetAsync("/api/auth/me"), "/api 401");
        AssertSecurityHeaders(await staff.GetAsync("/api/taps"), "/api 200");
        AssertSecurityHeaders(await staff.GetAsync("/api/no-such-route"), "/api 404");
        AssertSecurityHeaders(await anonymous.PostAsync("/api/auth/logout", new StringContent("x")), "/api 415");
    }

    [Fact]
    public async Task The_cookie_is_secure_behind_a_configured_tls_proxy_and_forwarded_headers_are_ignored_from_anyone_else()
    {
        static async Task<string> SignInCookieAsync(TapRoomHost host, bool forwardedHttps)
        {
            using var client = host.CreateClient();
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login")
            {
                Content = JsonContent.Create(new { login = "admin", password = TapRoomHost.AdminPassword }, options: TapRoomHost.Json),
            };
            if (forwardedHttps) request.Headers.Add("X-Forwarded-Proto", "https");
            var response = await client.SendAsync(request);
            response.EnsureSuccessStatusCode();
            return response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("taproom.auth=", StringComparison.Ordinal));
        }

        await using (var direct = await TapRoomHost.StartAsync())
        {
            Assert.DoesNotContain("secure", await SignInCookieAsync(direct, forwardedHttps: true), StringComparison.OrdinalIgnoreCase);
        }
        await using (var proxied = await TapRoomHost.StartAsync(s => s["TapRoom:ReverseProxy:KnownProxies:0"] = "127.0.0.1"))
        {
            Assert.Contains("; secure", await SignInCookieAsync(proxied, forwardedHttps: true), StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("secure", await SignInCookieAsync(proxied, forwardedHttps: false), StringComparison.OrdinalIgnoreCase);
        }
        await using (var otherProxy = await TapRoomHost.StartAsync(s => s["TapRoom:ReverseProxy:KnownNetworks:0"] = "10.0.0.0/8"))
        {
            Assert.DoesNotContain("secure", await SignInCookieAsync(otherProxy, forwardedHttps: true), StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task The_openapi_document_is_for_signed_in_staff_unless_a_setting_opens_it()
    {
        await using (var host = await TapRoomHost.StartAsync())
        {
            using var anonymous = host.CreateClient();
            await HttpAssert.ProblemAsync(await anonymous.GetAsync("/openapi/v1.json"), HttpStatusCode.Unauthorized, "unauthenticated");
            using var staff = await host.SignInAsAsync(StaffRole.Staff);
            var doc = await staff.GetAsync("/openapi/v1.json");
            Assert.Equal(HttpStatusCode.OK, doc.StatusCode);
            Assert.Contains("/api/visits", await doc.Content.ReadAsStringAsync());
        }
        await using (var open = await TapRoomHost.StartAsync(s => s["TapRoom:OpenApi:AllowAnonymous"] = "true"))
        {
            using var anonymous = open.CreateClient();
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/openapi/v1.json")).StatusCode);
        }
    }
}
