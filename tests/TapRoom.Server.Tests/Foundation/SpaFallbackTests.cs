using System.Net;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Foundation;

/// <summary>The web app's URLs (/v/{slug}/…) load the app on a reload or a deep link; the server's own paths never do.</summary>
public sealed class SpaFallbackTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/v/taproom/taps")]
    [InlineData("/v/taproom/visits/0b7e4a4e-5d8f-4b8e-9f3a-2f1d8c7a6b5e")]
    [InlineData("/v/no-such-venue/desk")]
    [InlineData("/taps")]
    public async Task A_web_app_url_answers_the_app(string path)
    {
        await using var host = await TapRoomHost.StartAsync();
        using var anonymous = host.CreateClient();
        var response = await anonymous.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<div id=\"app\">", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/api/no-such-route")]
    [InlineData("/api/v/taproom/taps")]
    [InlineData("/hubs/nothing")]
    [InlineData("/openapi/v2")]
    [InlineData("/hangfire/nothing")]
    [InlineData("/healthz/nothing")]
    [InlineData("/metrics/nothing")]
    public async Task A_server_path_is_never_answered_with_the_app(string path)
    {
        await using var host = await TapRoomHost.StartAsync();
        using var staff = await host.SignInAsAsync(TapRoom.Contracts.StaffRole.Staff);
        var response = await staff.GetAsync(path);
        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("<div id=\"app\">", await response.Content.ReadAsStringAsync());
    }
}
