using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using TapRoom.Contracts;
using TapRoom.Server.Tests.Desk;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Security;

/// <summary>REST reads JSON as strictly as the hub: numbers are numbers, text has no control characters, paging is bounded.</summary>
public sealed class StrictInputTests
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Numbers_written_as_strings_are_refused_on_the_money_routes_and_move_nothing()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var manager = await host.SignInAsAsync(StaffRole.Manager);
        var (_, visit) = await manager.GuestWithVisitAsync();
        (await manager.TopUpAsync(visit.VisitId, 20m)).EnsureSuccessStatusCode();
        var beer = await HttpAssert.OkAsync<JsonElement>(await manager.PostAsJsonAsync("/api/beer-types",
            new { name = "Strict Lager", abv = 5m, pricePerLiter = 6m }, TapRoomHost.Json));
        var beerId = beer.GetProperty("id").GetGuid();
        var before = JsonSerializer.Serialize(await manager.VisitAsync(visit.VisitId), TapRoomHost.Json);

        var cases = new (HttpMethod Method, string Path, string Body)[]
        {
            (HttpMethod.Post, $"/api/visits/{visit.VisitId}/top-up", "{\"amount\":\"5\"}"),
            (HttpMethod.Post, $"/api/visits/{visit.VisitId}/refund", "{\"amount\":\"5\",\"comment\":\"x\"}"),
            (HttpMethod.Post, $"/api/visits/{visit.VisitId}/raise-limit", "{\"volumeLimitMl\":\"5000\",\"comment\":\"x\"}"),
            (HttpMethod.Post, $"/api/visits/{visit.VisitId}/reconcile-pour", $"{{\"pourSessionId\":\"{Guid.NewGuid()}\",\"volumeMl\":\"100\",\"comment\":\"x\"}}"),
            (HttpMethod.Put, $"/api/beer-types/{beerId}", "{\"pricePerLiter\":\"0.01\"}"),
            (HttpMethod.Post, $"/api/visits/{visit.VisitId}/top-up", "{\"amount\":5,\"amount\":5000}"),
        };
        foreach (var (method, path, body) in cases)
        {
            using var request = new HttpRequestMessage(method, path) { Content = Json(body) };
            var problem = await HttpAssert.ProblemAsync(await manager.SendAsync(request), HttpStatusCode.BadRequest, "malformed_json");
            Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()), $"{path} {body}");
        }

        Assert.Equal(before, JsonSerializer.Serialize(await manager.VisitAsync(visit.VisitId), TapRoomHost.Json));
        var price = (await manager.GetFromJsonAsync<JsonElement>("/api/beer-types", TapRoomHost.Json)).EnumerateArray()
            .Single(b => b.GetProperty("id").GetGuid() == beerId).GetProperty("pricePerLiter").GetDecimal();
        Assert.Equal(6m, price);
        // The same amount as a number goes through.
        (await manager.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/api/visits/{visit.VisitId}/top-up") { Content = Json("{\"amount\":5}") }))
            .EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task Control_characters_are_refused_in_names_and_comments_tab_and_comment_line_breaks_are_not()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var staff = await host.SignInAsAsync(StaffRole.Staff);
        using var manager = await host.SignInAsAsync(StaffRole.Manager);

        await HttpAssert.ProblemAsync(await staff.PostAsync("/api/guests", Json("{\"name\":\"Eve\\u001b[2J\",\"dateOfBirth\":\"1990-01-01\"}")),
            HttpStatusCode.BadRequest, "malformed_json");
        await HttpAssert.ProblemAsync(await staff.PostAsync("/api/guests", Json("{\"name\":\"Eve\\u0000\",\"dateOfBirth\":\"1990-01-01\"}")),
            HttpStatusCode.BadRequest, "malformed_json");
        var newline = await HttpAssert.ProblemAsync(await staff.PostAsync("/api/guests", Json("{\"name\":\"Eve\\nAdmin\",\"dateOfBirth\":\"1990-01-01\"}")),
            HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(newline.GetProperty("errors").TryGetProperty("name", out _));
        Assert.Empty((await staff.GetFromJsonAsync<List<GuestDto>>("/api/guests?search=Eve", TapRoomHost.Json))!);
        await HttpAssert.OkAsync<GuestDto>(await staff.PostAsync("/api/guests", Json("{\"name\":\"Eve\\tTab\",\"dateOfBirth\":\"1990-01-01\"}")));

        var (guest, visit) = await staff.GuestWithVisitAsync();
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/visits/{visit.VisitId}/top-up", Json("{\"amount\":5,\"comment\":\"bell\\u0007\"}")),
            HttpStatusCode.BadRequest, "malformed_json");
        await HttpAssert.ProblemAsync(await staff.PostAsync($"/api/guests/{guest.Id}/block", Json("{\"comment\":\"\\u009bcsi\"}")),
            HttpStatusCode.BadRequest, "malformed_json");
        Assert.Equal(0m, (await staff.VisitAsync(visit.VisitId)).Visit.Balance);
        (await staff.PostAsync($"/api/visits/{visit.VisitId}/top-up", Json("{\"amount\":5,\"comment\":\"line one\\nline two\"}"))).EnsureSuccessStatusCode();
        await HttpAssert.ProblemAsync(await manager.PostAsync("/api/beer-types", Json("{\"name\":\"IPA\\r\\nX\",\"abv\":5,\"pricePerLiter\":6}")),
            HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task A_controller_cannot_send_control_characters_either()
    {
        await using var world = await TapRoom.Server.Tests.Pours.PourWorld.StartAsync();
        var (_, _, client) = await world.TapWithControllerAsync();

        var escape = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => client.Hello(new HelloRequest("1.0\u001b[31m", 0)));
        Assert.Contains("malformed_message", escape.Message);
        Assert.NotNull(await client.Hello(new HelloRequest("1.0\tbeta", 0)));
    }

    [Theory]
    [InlineData("/api/shifts?take=-1")]
    [InlineData("/api/shifts?take=0")]
    [InlineData("/api/shifts?take=1000000")]
    [InlineData("/api/alerts?limit=-5")]
    [InlineData("/api/alerts?limit=100000")]
    [InlineData("/api/pos/outbox?limit=-1")]
    [InlineData("/api/audit?limit=999999")]
    public async Task A_negative_or_absurd_page_size_is_refused_not_clamped(string path)
    {
        await using var host = await TapRoomHost.StartAsync();
        using var manager = await host.SignInAsAsync(StaffRole.Manager);
        await HttpAssert.ProblemAsync(await manager.GetAsync(path), HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal(HttpStatusCode.OK, (await manager.GetAsync(path.Split('=')[0] + "=10")).StatusCode);
    }
}
