using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using TapRoom.Contracts;
using TapRoom.Server.Infrastructure;
using TapRoom.Server.Tests.Infrastructure;
using TapRoom.Server.Tests.Pours;

namespace TapRoom.Server.Tests.Foundation;

/// <summary>
/// Every TapRoom server in this process has a meter named "TapRoom", and a meter provider listens by name: these tests
/// run alone, so that the numbers they read are their own server's.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "metrics (alone)";
}

/// <summary>/healthz/ready and /metrics on the real server (either provider).</summary>
[Collection(MetricsCollection.Name)]
public sealed class ObservabilityTests
{
    [Fact]
    public async Task Ready_checks_the_database_and_metrics_count_pours_connections_and_latency_for_loopback_only()
    {
        await using var world = await PourWorld.StartAsync();
        using var http = world.Host.CreateClient();

        var ready = await http.GetAsync("/healthz/ready");
        var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.Equal("ok", body.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        var jobs = body.GetProperty("checks").GetProperty("jobs");
        Assert.Equal("ok", jobs.GetProperty("status").GetString());
        Assert.StartsWith(world.Host.Database.IsPostgres ? "PostgreSqlStorage" : "InMemoryStorage", jobs.GetProperty("detail").GetString());
        Assert.False(body.GetProperty("checks").TryGetProperty("redis", out _), "No Redis is configured, so none is checked.");

        var (tap, _, client) = await world.TapWithControllerAsync();
        var guest = await world.GuestAsync();
        var allow = await client.Authorize(PourWorld.Present(tap, guest));
        Assert.True(allow.Allowed, allow.Message);
        var denied = await client.Authorize(new AuthorizeRequest(tap.TapId, "04AABBCCDDEEFF", Guid.NewGuid()));
        Assert.False(denied.Allowed);
        await world.Host.Services.GetRequiredService<TapRoomMetrics>().RefreshAsync(CancellationToken.None);

        // The exporter caches a scrape for a moment: read until the numbers show (bounded).
        var metrics = await ScrapeUntil(http, @"taproom_pour_authorize_duration_seconds_count\{[^}]*outcome=""denied""");
        Assert.Matches(@"taproom_pour_authorize_duration_seconds_count\{[^}]*outcome=""allowed""[^}]*\} 1\b", metrics);
        Assert.Matches(@"taproom_pour_authorize_duration_seconds_count\{[^}]*outcome=""denied""[^}]*\} 1\b", metrics);
        Assert.Matches(@"taproom_pours_in_progress(\{[^}]*\})? 1\b", metrics);
        Assert.Matches(@"taproom_controllers_connected(\{[^}]*\})? 1\b", metrics);
        Assert.Matches(@"taproom_pos_outbox_backlog(\{[^}]*\})? \d+", metrics);
        Assert.Contains("http_server_request_duration_seconds", metrics);

        Assert.Equal(CompletePourOutcome.Synced, (await client.CompletePour(PourWorld.Completion(allow.PourSessionId!.Value, tap, 200))).Outcome);
        await world.Host.Services.GetRequiredService<TapRoomMetrics>().RefreshAsync(CancellationToken.None);
        metrics = await ScrapeUntil(http, @"taproom_pour_completion_duration_seconds_count");
        Assert.Matches(@"taproom_pour_completion_duration_seconds_count\{[^}]*outcome=""synced""[^}]*\} 1\b", metrics);
        Assert.Matches(@"taproom_pours_in_progress(\{[^}]*\})? 0\b", metrics);

        // Through a proxy (the load balancer adds X-Forwarded-For) the loopback address proves nothing.
        using var proxied = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        proxied.Headers.Add("X-Forwarded-For", "203.0.113.7");
        await HttpAssert.ProblemAsync(await http.SendAsync(proxied), HttpStatusCode.Forbidden, "forbidden");
    }

    [Theory]
    [InlineData("127.0.0.1", null, true)]
    [InlineData("::1", null, true)]
    [InlineData("10.0.5.20", null, false)]
    [InlineData("10.0.5.20", "10.0.5.0/24", true)]
    [InlineData("::ffff:10.0.5.20", "10.0.5.0/24", true)]
    [InlineData("10.0.6.20", "10.0.5.0/24", false)]
    public void Metrics_are_for_loopback_and_the_configured_scrape_networks(string remote, string? network, bool allowed)
    {
        var access = new MetricsAccess(network is null ? [] : [network]);
        var http = new DefaultHttpContext();
        http.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        Assert.Equal(allowed, access.Allows(http));
    }

    [Fact]
    public void A_scrape_network_that_is_not_cidr_stops_the_start() =>
        Assert.Throws<InvalidOperationException>(() => new MetricsAccess(["10.0.5.0/33"]));

    private static async Task<string> ScrapeUntil(HttpClient http, string pattern)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var text = await Scrape(http);
            if (System.Text.RegularExpressions.Regex.IsMatch(text, pattern) || DateTime.UtcNow > deadline) return text;
            await Task.Delay(100);
        }
    }

    private static async Task<string> Scrape(HttpClient http)
    {
        var response = await http.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return text;
    }
}

/// <summary>Readiness with Redis configured: checked, and failing when Redis cannot be reached.</summary>
[Trait("Database", "postgres-only")]
public sealed class RedisReadinessTests
{
    [Fact]
    public async Task Ready_reports_redis_ok_and_turns_503_when_redis_is_unreachable()
    {
        await using (var host = await TapRoomHost.StartAsync(s => s["ConnectionStrings:Redis"] = TestDatabase.RedisServer))
        {
            using var http = host.CreateClient();
            // Ready once Redis answers and this instance listens on the instance channel (it subscribes as it starts).
            await host.Services.GetRequiredService<InstanceBus>().Subscribed.WaitAsync(TimeSpan.FromSeconds(30));
            var ok = await http.GetAsync("/healthz/ready");
            var body = JsonDocument.Parse(await ok.Content.ReadAsStringAsync()).RootElement;
            Assert.True(ok.StatusCode == HttpStatusCode.OK, body.ToString());
            Assert.Equal("ok", body.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString());
            Assert.EndsWith("listening on the instance channel", body.GetProperty("checks").GetProperty("redis").GetProperty("detail").GetString());
        }

        using var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        await using (var host = await TapRoomHost.StartAsync(s => s["ConnectionStrings:Redis"] = $"127.0.0.1:{port},connectTimeout=500"))
        {
            using var http = host.CreateClient();
            var down = await http.GetAsync("/healthz/ready");
            var body = JsonDocument.Parse(await down.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            Assert.Equal("not_ready", body.GetProperty("status").GetString());
            Assert.Equal("failing", body.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString());
            Assert.Equal("ok", body.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        }
    }
}
