using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using TapRoom.Contracts;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Security;

/// <summary>
/// Every unsafe /api route, found in the server's endpoint data source (a new route is covered without editing this
/// test), refuses what a cross-site page can send with the staff cookie: a form, text/plain and a bodiless request.
/// </summary>
public sealed partial class CrossSiteRequestTests
{
    [GeneratedRegex(@"\{(?<name>[A-Za-z]+)(:(?<constraint>[a-z]+))?\}")]
    private static partial Regex Parameter();

    private static readonly string[] Unsafe = ["POST", "PUT", "PATCH", "DELETE"];

    public static IReadOnlyList<(string Method, string Path)> UnsafeApiRoutes(TapRoomHost host) =>
        host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.TrimStart('/').StartsWith("api/", StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Intersect(Unsafe)
                .Select(m => (Method: m, Path: "/" + Parameter().Replace(e.RoutePattern.RawText!.TrimStart('/'), p => p.Groups["constraint"].Value switch
                {
                    "guid" => Guid.NewGuid().ToString(),
                    "long" or "int" => "1",
                    _ => "04:a1:b2:c3",
                }).TrimEnd('/'))))
            .Distinct().OrderBy(r => r.Path).ThenBy(r => r.Method).ToList();

    [Fact]
    public async Task Every_unsafe_api_route_refuses_a_form_a_text_plain_and_a_bodiless_request_with_the_staff_cookie()
    {
        await using var host = await TapRoomHost.StartAsync();
        var cookies = new CookieContainer();
        using (var signIn = host.CreateRawClient(cookies))
            (await signIn.PostAsJsonAsync("/api/auth/login", new { login = "admin", password = TapRoomHost.AdminPassword }, TapRoomHost.Json)).EnsureSuccessStatusCode();
        using var browser = host.CreateRawClient(cookies);

        var routes = UnsafeApiRoutes(host);
        foreach (var named in new[] { "/api/auth/logout", "/api/auth/login", "/api/shifts", "/api/staff" })
            Assert.Contains(routes, r => r.Path == named);
        Assert.Contains(routes, r => r.Path.EndsWith("/block", StringComparison.Ordinal));
        Assert.Contains(routes, r => r.Path.EndsWith("/revoke", StringComparison.Ordinal));
        Assert.Contains(routes, r => r.Path.EndsWith("/empty", StringComparison.Ordinal));
        Assert.Contains(routes, r => r.Path.EndsWith("/retry", StringComparison.Ordinal));
        Assert.Contains(routes, r => r.Path.EndsWith("/deactivate", StringComparison.Ordinal));
        Assert.Contains(routes, r => r.Method == "PUT");

        var failures = new List<string>();
        foreach (var (method, path) in routes)
        {
            foreach (var (kind, content) in new (string, Func<HttpContent?>)[]
            {
                ("form", () => new FormUrlEncodedContent(new Dictionary<string, string> { ["amount"] = "5", ["comment"] = "csrf" })),
                ("text/plain", () => new StringContent("{\"amount\":5}", Encoding.UTF8, "text/plain")),
                ("bodiless", () => null),
            })
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = content() };
                using var response = await browser.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.UnsupportedMediaType || !body.Contains("\"unsupported_media_type\"", StringComparison.Ordinal))
                    failures.Add($"{kind} {method} {path} → {(int)response.StatusCode} {body}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));

        // Nothing a refused request could have done happened: the session is alive and no shift was opened.
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/auth/me")).StatusCode);
        Assert.Equal("[]", await browser.GetStringAsync("/api/shifts"));
        // The same bodiless action sent the way the web app sends it (JSON {}) goes through.
        using var json = host.CreateRawClient(cookies);
        var opened = await json.PostAsync("/api/shifts", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, opened.StatusCode);
    }

    [Fact]
    public async Task A_hub_connection_from_another_origin_is_refused_and_one_from_the_own_origin_is_not()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var staff = await host.SignInAsAsync(StaffRole.Staff);

        using var foreign = new HttpRequestMessage(HttpMethod.Post, "/hubs/dashboard/negotiate?negotiateVersion=1");
        foreign.Headers.Add("Origin", "https://evil.example");
        await HttpAssert.ProblemAsync(await staff.SendAsync(foreign), HttpStatusCode.Forbidden, "cross_origin");

        using var own = new HttpRequestMessage(HttpMethod.Post, "/hubs/dashboard/negotiate?negotiateVersion=1");
        own.Headers.Add("Origin", host.BaseAddress.GetLeftPart(UriPartial.Authority));
        Assert.Equal(HttpStatusCode.OK, (await staff.SendAsync(own)).StatusCode);
    }
}
