using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.SignalR.Client;
using TapRoom.Contracts;
using TapRoom.HubClient;

namespace TapRoom.LoadDriver;

public sealed record NightOptions(int Controllers, int TapsPerController, int Dashboards, double Rate, int DurationSeconds, double PourSeconds,
    int FlowMlPerSecond, double RaceShare, double DisconnectShare, double EchoRate, int Seed, int WarmupSeconds = 0);

/// <summary>What the night measured.</summary>
public sealed class NightStats
{
    public Histogram Authorize { get; } = new();
    public Histogram Echo { get; } = new();
    public Histogram Complete { get; } = new();
    public Histogram ProgressToDashboard { get; } = new();
    public long Answered, Allowed, Denied, PoursStarted, NoFreeTap, ProgressSent, ProgressUnsent, Synced, Duplicates, OtherOutcomes, CompletionRetries,
        Races, RacesOneAllowed, RacesBothAllowed, RacesNoneAllowed, Disconnects, LinkDownAtPresentation, Errors, LinkLost;
    public ConcurrentDictionary<string, long> DenyReasons { get; } = new();
    /// <summary>
    /// Every error answered to a controller (and every call that failed on a link the driver did not drop), by call and
    /// code: <c>Authorize: server_error</c>, <c>CompletePour: server_error</c>, <c>Hello: …</c>; <see cref="Errors"/> is their sum.
    /// </summary>
    public ConcurrentDictionary<string, long> ErrorsByCode { get; } = new();

    public void RecordError(string key)
    {
        Interlocked.Increment(ref Errors);
        ErrorsByCode.AddOrUpdate(key, 1, (_, n) => n + 1);
    }
    public TimeSpan Elapsed;
    public DateTime FirstCompletion = DateTime.MaxValue, LastCompletion = DateTime.MinValue;
}

/// <summary>
/// Plays a night against the server: N controller connections pouring at a fixed rate with progress at 4 a second,
/// some pours racing two controllers for one card, some controllers dropping their connection mid-pour and replaying
/// the completion after reconnecting; M signed-in dashboards measure how late each progress push arrives.
/// </summary>
public sealed class Night(Uri baseAddress, Venue venue, NightOptions options, Action<string> say) : IAsyncDisposable
{
    private readonly ControllerHubClient[] _controllers = new ControllerHubClient[options.Controllers];
    private readonly SemaphoreSlim[] _reconnecting = Enumerable.Range(0, options.Controllers).Select(_ => new SemaphoreSlim(1, 1)).ToArray();
    private readonly int[] _unsynced = new int[options.Controllers];
    private readonly List<HubConnection> _dashboards = [];
    private readonly ConcurrentQueue<SimTap> _freeTaps = new();
    private readonly ConcurrentQueue<SimGuest> _freeGuests = new();
    private readonly ConcurrentDictionary<(Guid, int), long> _progressSentAt = new();
    private readonly Random _random = new(options.Seed);
    private readonly object _randomLock = new();
    public NightStats Stats { get; private set; } = new();

    /// <summary>Starts a fresh set of figures (after the warm-up) and returns the old one.</summary>
    public NightStats ResetStats()
    {
        var old = Stats;
        Stats = new NightStats();
        return old;
    }

    /// <summary>
    /// A hub call of controller <paramref name="index"/> failed. An error the server answered (a <c>HubException</c>) is
    /// always counted; a call lost with the link while the driver itself dropped that controller's connection (a
    /// mid-pour disconnect) is counted apart as <see cref="NightStats.LinkLost"/>; any other failure is an error too.
    /// </summary>
    private void Failed(string method, int index, Exception ex)
    {
        if (ex is not Microsoft.AspNetCore.SignalR.HubException && _reconnecting[index].CurrentCount == 0)
        {
            Interlocked.Increment(ref Stats.LinkLost);
            return;
        }
        var key = HubErrors.Key(method, ex);
        Stats.RecordError(key);
        if (Interlocked.Read(ref Stats.Errors) <= 5) say($"error answered to a controller: {key} ({ex.GetBaseException().Message})");
    }

    private double NextRandom()
    {
        lock (_randomLock) return _random.NextDouble();
    }

    public async Task ConnectAsync()
    {
        await Venue.ParallelAsync(options.Controllers, 16, async i =>
        {
            var c = venue.Controllers[i];
            var client = new ControllerHubClient(baseAddress, c.ApiKey, serverTimeout: TimeSpan.FromSeconds(60), keepAlive: TimeSpan.FromSeconds(15));
            await client.StartAsync();
            await client.Hello(new HelloRequest("load-driver", 0));
            _controllers[i] = client;
        });
        say($"{options.Controllers} controllers connected");
        for (var d = 0; d < options.Dashboards; d++)
        {
            var cookies = await Venue.SignInAsync(baseAddress);
            var connection = HubConnections.Build(new Uri(baseAddress, HubRoutes.Dashboard), TapRoomJsonContext.Default, () => null,
                serverTimeout: TimeSpan.FromSeconds(60), keepAlive: TimeSpan.FromSeconds(15), configureSocket: o => o.Cookies = cookies);
            connection.On<PourProgressPush>(nameof(IDashboardClient.PourProgress), OnProgressPush);
            connection.On<PushBatch<PourProgressPush>>(nameof(IDashboardClient.PourProgressBatch), batch =>
            {
                foreach (var push in batch.Items) OnProgressPush(push);
            });
            await connection.StartAsync();
            _dashboards.Add(connection);
        }
        say($"{options.Dashboards} dashboards connected (signed in)");
        for (var i = 0; i < options.Controllers; i++)
            foreach (var tap in venue.Controllers[i].TapIds) _freeTaps.Enqueue(new SimTap(tap, i));
        foreach (var g in venue.Guests) _freeGuests.Enqueue(g);
    }

    private void OnProgressPush(PourProgressPush push)
    {
        if (_progressSentAt.TryGetValue((push.PourSessionId, push.VolumeMl), out var sentAt))
            Stats.ProgressToDashboard.Record(Stopwatch.GetElapsedTime(sentAt).TotalMilliseconds);
    }

    /// <summary>Plays <paramref name="durationSeconds"/> of the night, then waits for its pours to finish.</summary>
    public async Task PlayAsync(int durationSeconds)
    {
        var pours = new ConcurrentDictionary<int, Task>();
        var clock = Stopwatch.StartNew();
        var total = (int)(options.Rate * durationSeconds);
        var echo = EchoLoopAsync(clock, TimeSpan.FromSeconds(durationSeconds));
        var report = ReportLoopAsync(clock, TimeSpan.FromSeconds(durationSeconds));
        for (var i = 0; i < total; i++)
        {
            var due = TimeSpan.FromSeconds(i / options.Rate) - clock.Elapsed;
            if (due > TimeSpan.Zero) await Task.Delay(due);
            var n = i;
            pours[n] = Task.Run(async () =>
            {
                try { await PourAsync(); }
                catch (Exception ex)
                {
                    Stats.RecordError($"pour: {ex.GetType().Name}");
                    if (Interlocked.Read(ref Stats.Errors) <= 5) say("pour failed: " + ex.GetBaseException().Message);
                }
                finally { pours.TryRemove(n, out _); }
            });
        }
        await echo;
        await report;
        var drain = Task.WhenAll(pours.Values);
        if (await Task.WhenAny(drain, Task.Delay(TimeSpan.FromSeconds(options.PourSeconds * 3 + 30))) != drain)
            say($"{pours.Count} pours still running after the drain deadline");
        Stats.Elapsed = clock.Elapsed;
    }

    private async Task ReportLoopAsync(Stopwatch clock, TimeSpan duration)
    {
        while (clock.Elapsed < duration)
        {
            await Task.Delay(TimeSpan.FromSeconds(10));
            say($"  t={clock.Elapsed.TotalSeconds:F0}s started {Stats.PoursStarted} synced {Stats.Synced} progress {Stats.ProgressSent} " +
                $"authorize p99 {Stats.Authorize.Percentile(99):F1} ms, to-dashboard p99 {Stats.ProgressToDashboard.Percentile(99):F1} ms");
        }
    }

    private async Task EchoLoopAsync(Stopwatch clock, TimeSpan duration)
    {
        var i = 0;
        while (clock.Elapsed < duration)
        {
            var due = TimeSpan.FromSeconds(i / options.EchoRate) - clock.Elapsed;
            if (due > TimeSpan.Zero) await Task.Delay(due);
            var index = i % _controllers.Length;
            var client = _controllers[index];
            i++;
            if (client.Connection.State != HubConnectionState.Connected) continue;
            _ = Task.Run(async () =>
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    await client.Echo("ping");
                    Stats.Echo.Record(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
                catch (Exception ex) { Failed("Echo", index, ex); }
            });
        }
    }

    private async Task PourAsync()
    {
        Interlocked.Increment(ref Stats.PoursStarted);
        if (!_freeGuests.TryDequeue(out var guest)) { Interlocked.Increment(ref Stats.NoFreeTap); return; }
        if (!_freeTaps.TryDequeue(out var tap)) { _freeGuests.Enqueue(guest); Interlocked.Increment(ref Stats.NoFreeTap); return; }
        SimTap? rival = null;
        if (NextRandom() < options.RaceShare && _freeTaps.TryDequeue(out var other)) rival = other;
        try
        {
            var attempts = new List<(SimTap Tap, Task<AuthorizeResult?> Result)> { (tap, AuthorizeAsync(tap, guest)) };
            if (rival is not null) attempts.Add((rival, AuthorizeAsync(rival, guest)));
            await Task.WhenAll(attempts.Select(a => a.Result));
            if (attempts.Any(a => a.Result.Result is not null)) Interlocked.Increment(ref Stats.Answered);
            var allowed = attempts.Where(a => a.Result.Result?.Allowed == true).ToList();
            if (rival is not null)
            {
                Interlocked.Increment(ref Stats.Races);
                if (allowed.Count == 1) Interlocked.Increment(ref Stats.RacesOneAllowed);
                else if (allowed.Count == 0) Interlocked.Increment(ref Stats.RacesNoneAllowed);
                else Interlocked.Increment(ref Stats.RacesBothAllowed);
            }
            foreach (var (t, result) in allowed) await PlayPourAsync(t, result.Result!);
        }
        finally
        {
            _freeTaps.Enqueue(tap);
            if (rival is not null) _freeTaps.Enqueue(rival);
            _freeGuests.Enqueue(guest);
        }
    }

    private async Task<AuthorizeResult?> AuthorizeAsync(SimTap tap, SimGuest guest)
    {
        var client = _controllers[tap.ControllerIndex];
        if (client.Connection.State != HubConnectionState.Connected)
        {
            Interlocked.Increment(ref Stats.LinkDownAtPresentation);
            return null;
        }
        var start = Stopwatch.GetTimestamp();
        AuthorizeResult result;
        try
        {
            result = await client.Authorize(new AuthorizeRequest(tap.TapId, guest.CardUid, Guid.NewGuid()));
        }
        catch (Exception ex)
        {
            // Not an answer to the presentation: the agent would show an error. The other tap of a race still plays.
            Failed("Authorize", tap.ControllerIndex, ex);
            return null;
        }
        Stats.Authorize.Record(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        if (result.Allowed) Interlocked.Increment(ref Stats.Allowed);
        else
        {
            Interlocked.Increment(ref Stats.Denied);
            Stats.DenyReasons.AddOrUpdate(result.DenyReason is { } reason ? TapRoomJson.EnumValue(reason) : "none", 1, (_, n) => n + 1);
        }
        return result;
    }

    private async Task PlayPourAsync(SimTap tap, AuthorizeResult allow)
    {
        var sessionId = allow.PourSessionId!.Value;
        var client = _controllers[tap.ControllerIndex];
        var ticks = (int)Math.Round(options.PourSeconds * 4);
        var step = Math.Max(1, options.FlowMlPerSecond / 4);
        var dropAt = NextRandom() < options.DisconnectShare ? ticks / 2 : -1;
        var startedAt = DateTime.UtcNow;
        var volume = 0;
        Interlocked.Increment(ref _unsynced[tap.ControllerIndex]);
        for (var t = 0; t < ticks; t++)
        {
            await Task.Delay(250);
            if (t == dropAt) _ = DropAndReconnectAsync(tap.ControllerIndex);
            volume = Math.Min(allow.MaxVolumeMl!.Value, volume + step);
            if (client.Connection.State != HubConnectionState.Connected)
            {
                Interlocked.Increment(ref Stats.ProgressUnsent);
                continue;
            }
            _progressSentAt[(sessionId, volume)] = Stopwatch.GetTimestamp();
            try
            {
                await client.PourProgress(new PourProgressMessage(sessionId, volume, DateTime.UtcNow));
                Interlocked.Increment(ref Stats.ProgressSent);
            }
            catch (Exception)
            {
                Interlocked.Increment(ref Stats.ProgressUnsent);
            }
        }
        var completion = new CompletePourRequest(sessionId, tap.TapId, volume, startedAt, DateTime.UtcNow);
        for (var attempt = 0; attempt < 60; attempt++)
        {
            if (client.Connection.State != HubConnectionState.Connected)
            {
                await Task.Delay(250);
                continue;
            }
            try
            {
                var start = Stopwatch.GetTimestamp();
                var result = await client.CompletePour(completion);
                Stats.Complete.Record(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                if (result.Outcome == CompletePourOutcome.Synced) Interlocked.Increment(ref Stats.Synced);
                else if (result.Outcome == CompletePourOutcome.Duplicate) Interlocked.Increment(ref Stats.Duplicates);
                else Interlocked.Increment(ref Stats.OtherOutcomes);
                lock (Stats)
                {
                    var now = DateTime.UtcNow;
                    if (now < Stats.FirstCompletion) Stats.FirstCompletion = now;
                    if (now > Stats.LastCompletion) Stats.LastCompletion = now;
                }
                Interlocked.Decrement(ref _unsynced[tap.ControllerIndex]);
                return;
            }
            catch (Exception ex)
            {
                // Sent again, as the agent does; an error answered (server_error, ...) is counted each time.
                Failed("CompletePour", tap.ControllerIndex, ex);
                Interlocked.Increment(ref Stats.CompletionRetries);
                await Task.Delay(250);
            }
        }
        throw new TimeoutException($"The completion of {sessionId} was never acknowledged.");
    }

    /// <summary>The controller's link drops mid-pour; it reconnects a second later and says Hello with its unsynced pours.</summary>
    private async Task DropAndReconnectAsync(int index)
    {
        if (!await _reconnecting[index].WaitAsync(0)) return;
        try
        {
            Interlocked.Increment(ref Stats.Disconnects);
            var client = _controllers[index];
            await client.Connection.StopAsync();
            await Task.Delay(TimeSpan.FromSeconds(1));
            await client.StartAsync();
            await client.Hello(new HelloRequest("load-driver", Math.Max(0, Volatile.Read(ref _unsynced[index]))));
        }
        catch (Exception ex)
        {
            Stats.RecordError(HubErrors.Key("reconnect", ex));
            say("reconnect failed: " + ex.GetBaseException().Message);
        }
        finally
        {
            _reconnecting[index].Release();
        }
    }

    public ControllerHubClient Controller(int index) => _controllers[index];

    public async ValueTask DisposeAsync()
    {
        foreach (var d in _dashboards) await d.DisposeAsync();
        await Venue.ParallelAsync(_controllers.Length, 16, async i =>
        {
            if (_controllers[i] is { } c) await c.DisposeAsync();
        });
    }
}
