using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TapRoom.Contracts;
using TapRoom.HubClient;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Controllers;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Controllers;

public sealed class ControllerConnectionTests
{
    [Fact]
    public async Task A_registered_controller_connects_over_a_real_websocket_and_says_hello()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var admin = await host.SignInAsync();
        var tapId = Guid.NewGuid();
        await host.DbAsync(async db =>
        {
            db.Taps.Add(new Tap { Id = tapId, LocationId = (await db.Locations.FirstAsync()).Id, Number = 1, Name = "Tap 1", Status = TapStatus.Active });
            await db.SaveChangesAsync();
        });
        var registered = await HttpAssert.OkAsync<RegisterController.Result>(await admin.PostAsJsonAsync("/api/controllers", new { name = "pi-1", tapIds = new[] { tapId } }));
        Assert.StartsWith("trk_", registered.ApiKey);
        Assert.NotEqual(registered.ApiKey, await host.DbAsync(db => db.Controllers.Select(c => c.ApiKeyHash).SingleAsync()));

        await using var client = new ControllerHubClient(host.BaseAddress, registered.ApiKey);
        await client.StartAsync();
        var hello = await client.Hello(new HelloRequest("1.0.0", 0));
        Assert.Equal(registered.Id, hello.ControllerId);
        var tap = Assert.Single(hello.Taps);
        Assert.Equal((tapId, TapStatus.Active, 1000, 8000), (tap.TapId, tap.Status, tap.MaxPourMl, tap.FlowIdleTimeoutMs));
        Assert.True(await host.DbAsync(db => db.Controllers.Select(c => c.IsOnline).SingleAsync()));
    }

    [Fact]
    public async Task A_stopping_server_closes_controller_connections_and_refuses_new_ones_so_its_stop_does_not_wait_out_a_timeout()
    {
        var host = await TapRoomHost.StartAsync();
        try
        {
            using var admin = await host.SignInAsync();
            var tapId = Guid.NewGuid();
            await host.DbAsync(async db =>
            {
                db.Taps.Add(new Tap { Id = tapId, LocationId = (await db.Locations.FirstAsync()).Id, Number = 1, Name = "Tap 1", Status = TapStatus.Active });
                await db.SaveChangesAsync();
            });
            var registered = await HttpAssert.OkAsync<RegisterController.Result>(await admin.PostAsJsonAsync("/api/controllers", new { name = "pi-stop", tapIds = new[] { tapId } }));
            await using var connected = new ControllerHubClient(host.BaseAddress, registered.ApiKey);
            await connected.StartAsync();
            await connected.Hello(new HelloRequest("1.0.0", 0));
            var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            connected.Connection.Reconnecting += _ => { closed.TrySetResult(); return Task.CompletedTask; };
            connected.Connection.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };

            // While the host is stopping (Kestrel still listening), a controller that reconnects at once is turned away.
            HttpStatusCode? hubRequestWhileStopping = null;
            Exception? reconnectWhileStopping = null;
            var lifetime = host.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>();
            lifetime.ApplicationStopping.Register(() =>
            {
                using var http = new HttpClient { BaseAddress = host.BaseAddress };
                hubRequestWhileStopping = http.GetAsync($"/hubs/controller?access_token={registered.ApiKey}").GetAwaiter().GetResult().StatusCode;
                var again = new ControllerHubClient(host.BaseAddress, registered.ApiKey);
                try { again.StartAsync().GetAwaiter().GetResult(); }
                catch (Exception e) { reconnectWhileStopping = e; }
                finally { again.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
            });

            // A stop that must not be cut short: were a connection left open, it would run into this token and throw.
            using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            var app = host.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHost>();
            await app.StopAsync(patience.Token);
            Assert.False(patience.IsCancellationRequested);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, hubRequestWhileStopping);
            Assert.NotNull(reconnectWhileStopping);
            Assert.Contains("503", reconnectWhileStopping!.ToString());
            await closed.Task.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.NotEqual(HubConnectionState.Connected, connected.Connection.State);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_tap_waiting_for_unsynced_pours_goes_back_to_active_when_the_controller_has_none_left()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var admin = await host.SignInAsync();
        var tapId = Guid.NewGuid();
        await host.DbAsync(async db =>
        {
            db.Taps.Add(new Tap { Id = tapId, LocationId = (await db.Locations.FirstAsync()).Id, Number = 1, Name = "Tap 1", Status = TapStatus.Active });
            await db.SaveChangesAsync();
        });
        var registered = await HttpAssert.OkAsync<RegisterController.Result>(await admin.PostAsJsonAsync("/api/controllers", new { name = "pi-1", tapIds = new[] { tapId } }));
        await using var client = new ControllerHubClient(host.BaseAddress, registered.ApiKey);
        await client.StartAsync();

        Assert.Equal(TapStatus.ProcessingSync, Assert.Single((await client.Hello(new HelloRequest("1.0.0", 2))).Taps).Status);
        // Its journal entries were refused for good (an unknown session): the controller's next hello reports none.
        var rejected = await client.CompletePour(new CompletePourRequest(Guid.NewGuid(), tapId, 100, host.Time.GetUtcNow().UtcDateTime, host.Time.GetUtcNow().UtcDateTime));
        Assert.Equal(CompletePourOutcome.Rejected, rejected.Outcome);
        Assert.Equal(TapStatus.ProcessingSync, await host.DbAsync(db => db.Taps.Where(t => t.Id == tapId).Select(t => t.Status).SingleAsync()));

        Assert.Equal(TapStatus.Active, Assert.Single((await client.Hello(new HelloRequest("1.0.0", 0))).Taps).Status);
        Assert.Equal(TapStatus.Active, await host.DbAsync(db => db.Taps.Where(t => t.Id == tapId).Select(t => t.Status).SingleAsync()));
        Assert.Equal(2, await host.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == "tap.status_changed" && e.SubjectId == tapId)));
    }

    [Fact]
    public async Task A_wrong_or_missing_key_is_refused_before_any_hub_method_runs()
    {
        await using var host = await TapRoomHost.StartAsync();
        foreach (var key in new[] { "trk_wrong", "" })
        {
            await using var client = new ControllerHubClient(host.BaseAddress, key);
            var ex = await Assert.ThrowsAnyAsync<Exception>(() => client.StartAsync());
            Assert.Contains("401", ex.ToString());
        }
        using var http = host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/hubs/controller?access_token=trk_wrong")).StatusCode);
        Assert.False(await host.DbAsync(db => db.AuditEvents.AnyAsync(e => e.ActorType == "controller")));
    }

    [Fact]
    public async Task A_calibration_reaches_the_connected_controller_as_ConfigChanged()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var admin = await host.SignInAsync();
        var tap = await HttpAssert.OkAsync<TapDto>(await admin.PostAsJsonAsync("/api/taps", new { name = "Tap 1" }, TapRoomHost.Json));
        var registered = await HttpAssert.OkAsync<RegisterController.Result>(await admin.PostAsJsonAsync("/api/controllers", new { name = "pi-1", tapIds = new[] { tap.Id } }));

        await using var client = new ControllerHubClient(host.BaseAddress, registered.ApiKey).WithEvents();
        var received = new TaskCompletionSource<HelloResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ConfigChanged += config => { received.TrySetResult(config); return Task.CompletedTask; };
        await client.StartAsync();
        Assert.Equal(5600, Assert.Single((await client.Hello(new HelloRequest("1.0.0", 0))).Taps).PulsesPerLiter);

        var calibrated = await admin.PostAsJsonAsync($"/api/controllers/{registered.Id}/calibrate", new { tapId = tap.Id, measuredVolumeMl = 500, pulses = 2871 });
        Assert.True(calibrated.IsSuccessStatusCode, await calibrated.Content.ReadAsStringAsync());
        var config = await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(registered.Id, config.ControllerId);
        Assert.Equal((tap.Id, 5742), (Assert.Single(config.Taps).TapId, config.Taps[0].PulsesPerLiter));
    }

    [Fact]
    public void The_retry_policy_never_gives_up_and_is_deterministic()
    {
        var policy = new DeterministicRetryPolicy();
        var delays = Enumerable.Range(0, 8).Select(i => policy.NextRetryDelay(new RetryContext { PreviousRetryCount = i })).ToList();
        Assert.Equal([0, 1, 2, 5, 10, 10, 10, 10], delays.Select(d => (int)d!.Value.TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(10), policy.NextRetryDelay(new RetryContext { PreviousRetryCount = 1_000_000 }));
    }
}
