using System.Net;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Dashboard;

public sealed class WebAppServingTests
{
    [Fact]
    public async Task The_dashboard_is_served_at_the_root_and_its_routes_survive_a_reload_while_unknown_api_paths_stay_problem_404s()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var http = host.CreateClient();

        foreach (var path in new[] { "/", "/taps", "/alerts" })
        {
            var page = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            Assert.Contains("<div id=\"app\">", await page.Content.ReadAsStringAsync());
        }

        await HttpAssert.ProblemAsync(await http.GetAsync("/api/no-such-route"), HttpStatusCode.NotFound, "not_found");
        await HttpAssert.ProblemAsync(await http.PostAsync("/api/visits/nope/also-nope", null), HttpStatusCode.NotFound, "not_found");
        await HttpAssert.ProblemAsync(await http.GetAsync("/hubs/no-such-hub"), HttpStatusCode.NotFound, "not_found");
        await HttpAssert.ProblemAsync(await http.GetAsync("/assets/missing.js"), HttpStatusCode.NotFound, "not_found");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
    }
}
