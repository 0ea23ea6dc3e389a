using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using TapRoom.Contracts;
using TapRoom.Server.Hubs;
using TapRoom.Server.Tests.Pours;

namespace TapRoom.Server.Tests.Security;

/// <summary>A refused hub call leaves one Warning line without a stack trace in the JSON log; a flood of them stays bounded.</summary>
public sealed class HubRefusalLogTests
{
    private static List<JsonElement> FilterLines(string dataDirectory)
    {
        var lines = new List<JsonElement>();
        var dir = Path.Combine(dataDirectory, "logs");
        if (!Directory.Exists(dir)) return lines;
        foreach (var file in Directory.GetFiles(dir, "taproom-*.json"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                if (!line.Contains("HubErrorFilter", StringComparison.Ordinal)) continue;
                lines.Add(JsonDocument.Parse(line).RootElement.Clone());
            }
        }
        return lines;
    }

    private static async Task<List<JsonElement>> LinesEventuallyAsync(string dataDirectory, int atLeast)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        List<JsonElement> lines;
        while ((lines = FilterLines(dataDirectory)).Count < atLeast && DateTime.UtcNow < deadline) await Task.Delay(100);
        return lines;
    }

    [Fact]
    public async Task A_refused_hub_call_is_logged_once_at_warning_without_a_stack_trace_and_a_flood_is_rate_limited()
    {
        await using var world = await PourWorld.StartAsync();
        var (tap, _, client) = await world.TapWithControllerAsync();

        var refused = await Assert.ThrowsAsync<HubException>(() => client.Authorize(new AuthorizeRequest(tap.TapId, "not-a-uid", Guid.NewGuid())));
        Assert.Contains("validation_failed", refused.Message);

        var lines = await LinesEventuallyAsync(world.Host.DataDirectory, 1);
        var line = Assert.Single(lines);
        Assert.Equal("Warning", line.GetProperty("@l").GetString());
        Assert.False(line.TryGetProperty("@x", out _), line.ToString());
        Assert.Contains("validation_failed", line.GetProperty("@m").GetString());
        Assert.Contains("Authorize", line.GetProperty("@m").GetString());

        // A controller looping on a bad call: 100 refusals, at most one window's worth of lines.
        for (var i = 0; i < 100; i++)
            await Assert.ThrowsAsync<HubException>(() => client.Authorize(new AuthorizeRequest(tap.TapId, "not-a-uid", Guid.NewGuid())));
        Assert.NotNull(await client.Hello(new HelloRequest("still-connected", 0)));
        lines = await LinesEventuallyAsync(world.Host.DataDirectory, HubRefusalLog.LinesPerWindow);
        Assert.Equal(HubRefusalLog.LinesPerWindow, lines.Count);
        Assert.All(lines, l => Assert.Equal("Warning", l.GetProperty("@l").GetString()));

        // The next window logs again and says how many were left out.
        world.Host.Time.Advance(HubRefusalLog.Window);
        await Assert.ThrowsAsync<HubException>(() => client.Authorize(new AuthorizeRequest(tap.TapId, "not-a-uid", Guid.NewGuid())));
        lines = await LinesEventuallyAsync(world.Host.DataDirectory, HubRefusalLog.LinesPerWindow + 1);
        Assert.Equal(HubRefusalLog.LinesPerWindow + 1, lines.Count);
        Assert.Contains("(91 more refusals", lines[^1].GetProperty("@m").GetString());
    }
}
