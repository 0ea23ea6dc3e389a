using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.HubClient;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Controllers;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Temperature;

/// <summary>A controller of the default venue connected over the real hub, to send readings as an agent does.</summary>
public sealed class TemperatureKit : IAsyncDisposable
{
    public required TapRoomHost Host { get; init; }
    public required ControllerHubClient Controller { get; init; }
    public required Guid ControllerId { get; init; }
    public required Guid LocationId { get; init; }
    public required HttpClient Manager { get; init; }

    public static async Task<TemperatureKit> StartAsync(TapRoomHost host)
    {
        var manager = await host.SignInAsAsync(StaffRole.Manager);
        using var admin = await host.SignInAsync();
        var tapId = Guid.NewGuid();
        var locationId = await host.DbAsync(async db =>
        {
            var location = await db.Locations.FirstAsync();
            db.Taps.Add(new Tap { Id = tapId, LocationId = location.Id, Number = 99, Name = "Tap 99", Status = TapStatus.Active });
            await db.SaveChangesAsync();
            return location.Id;
        });
        var registered = await HttpAssert.OkAsync<RegisterController.Result>(await admin.PostAsJsonAsync("/api/controllers", new { name = "pi-temp", tapIds = new[] { tapId } }));
        var client = new ControllerHubClient(host.BaseAddress, registered.ApiKey);
        await client.StartAsync();
        await client.Hello(new HelloRequest("1.0.0", 0));
        return new TemperatureKit { Host = host, Controller = client, ControllerId = registered.Id, LocationId = locationId, Manager = manager };
    }

    public DateTime Now => Host.Time.GetUtcNow().UtcDateTime;

    public async Task<TemperatureZoneDto> ZoneAsync(string name, double min, double max, int graceMinutes) =>
        await HttpAssert.OkAsync<TemperatureZoneDto>(await Manager.PostAsJsonAsync($"/api/locations/{LocationId}/temperature-zones",
            new { name, minC = min, maxC = max, alertAfterMinutes = graceMinutes }, TapRoomHost.Json));

    /// <summary>Moves the server's clock on and sends one reading taken now.</summary>
    public Task<TemperatureReadingsResult> ReadAsync(string zone, double celsius, TimeSpan? after = null, string sensor = "28-000000000001")
    {
        if (after is { } by) Host.Time.Advance(by);
        return Controller.TemperatureReadings(new TemperatureReadingsRequest([new TemperatureReading(sensor, zone, celsius, Now)]));
    }

    public Task<List<AlertDto>> AlertsAsync(string type) =>
        HttpAssert.OkAsync<List<AlertDto>>(Manager.GetAsync("/api/alerts").Result).ContinueWith(t => t.Result.Where(a => a.Type == type).ToList());

    public async ValueTask DisposeAsync()
    {
        await Controller.DisposeAsync();
        Manager.Dispose();
    }
}
