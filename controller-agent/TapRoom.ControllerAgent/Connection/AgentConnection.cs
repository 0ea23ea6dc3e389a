using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Logging;
using TapRoom.Contracts;
using TapRoom.HubClient;

namespace TapRoom.ControllerAgent.Connection;

/// <summary>
/// The one persistent connection to <c>/hubs/controller</c>. The first connect is retried forever on the deterministic
/// schedule; later drops are reconnected by SignalR with the same schedule (<c>WithAutomaticReconnect</c>). After every
/// (re)connect the agent says Hello exactly once with its journal's pending count and applies the configuration it
/// gets back. The link counts as up only between a successful Hello and the next drop.
/// <para>
/// Several servers (instances behind nothing, or a second site): a SignalR connection has one URL, so failover is a
/// new connection. A start that fails moves on to the next server at once (after a whole round of failures, the
/// schedule's delay); a drop is reconnected to the same server <c>failoverAfterAttempts</c> times, then SignalR gives
/// up, the connection closes, and the next server gets a new connection (round-robin, back to the first after the
/// last). Never two connections at once: the old one is closed and disposed before the next is built.
/// </para>
/// <para>
/// One Hello per connection: each connection (the first start, every reconnect, every restart after a close) gets a
/// generation number, and Hello runs under a gate only while its generation is still the live one. A Hello that fails
/// never stops the connection: if the connection dropped, SignalR's reconnect brings a new generation with its own
/// Hello; if the server refused it, it is retried on the same connection. (Stopping the connection from a failed
/// Hello used to race SignalR's own reconnect: the stop could hit the newer connection after it had said Hello, and
/// the agent's loop then connected and said Hello a second time after a server restart.)
/// </para>
/// <para>
/// A revoked key: when the server answers the upgrade with something other than a WebSocket (a 401, a proxy's 502),
/// reconnecting stops and the start loop asks the server once with a plain request why; only a 401 with the problem
/// code <c>controller_revoked</c> counts. With <see cref="ReturnWhenRevoked"/>, <see cref="RunAsync"/> then returns
/// <see cref="ConnectionEnd.KeyRevoked"/> (the agent pairs again); without it, it logs that and keeps trying.
/// </para>
/// </summary>
public sealed class AgentConnection : IAsyncDisposable
{
    private readonly IReadOnlyList<Uri> _servers;
    private volatile string _apiKey;
    private readonly ILoggerFactory _loggers;
    private readonly DeterministicRetryPolicy _policy;
    private readonly DeterministicRetryPolicy _reconnectPolicy;
    private readonly Func<int> _pendingCount;
    private readonly string _agentVersion;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _helloGate = new(1, 1);
    private readonly Lock _clientGate = new();
    private readonly CancellationTokenSource _disposing = new();
    private volatile ControllerHubClient _client;
    private int _serverIndex;
    private TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _generation;
    private long _helloGeneration;
    private volatile bool _up;
    private int _helloCount;
    private int _failovers;

    public AgentConnection(Uri server, string apiKey, string agentVersion, Func<int> pendingCount, DeterministicRetryPolicy policy,
        ILoggerFactory loggers)
        : this([server], apiKey, agentVersion, pendingCount, policy, loggers)
    {
    }

    /// <param name="servers">In failover order; one server: reconnects to it forever, as before.</param>
    /// <param name="failoverAfterAttempts">With several servers: reconnect attempts to the current one before moving on.</param>
    public AgentConnection(IReadOnlyList<Uri> servers, string apiKey, string agentVersion, Func<int> pendingCount, DeterministicRetryPolicy policy,
        ILoggerFactory loggers, int failoverAfterAttempts = 3)
    {
        if (servers.Count == 0) throw new ArgumentException("At least one server URL.", nameof(servers));
        _servers = servers;
        _apiKey = apiKey;
        _loggers = loggers;
        _policy = policy;
        _reconnectPolicy = servers.Count > 1 ? policy.GivingUpAfter(failoverAfterAttempts) : policy;
        _pendingCount = pendingCount;
        _agentVersion = agentVersion;
        _logger = loggers.CreateLogger<AgentConnection>();
        _client = Build(_servers[0]);
    }

    private ControllerHubClient Build(Uri server)
    {
        var client = new ControllerHubClient(server, () => _apiKey, new RefusalStopsReconnect(_reconnectPolicy), _loggers,
            serverTimeout: TimeSpan.FromSeconds(20), keepAlive: TimeSpan.FromSeconds(5));
        // A replaced connection's lifecycle events no longer count (its pushes may still be applied: they are the server's).
        client.Connection.Reconnecting += e => client == _client ? OnReconnecting(e) : Task.CompletedTask;
        client.Connection.Reconnected += id => client == _client ? OnReconnected(id) : Task.CompletedTask;
        client.Connection.Closed += e => client == _client ? OnClosed(e) : Task.CompletedTask;
        client.WithEvents();
        client.ConfigChanged += cfg => Apply(cfg);
        client.TapStateChanged += m => TapStateChanged?.Invoke(m) ?? Task.CompletedTask;
        client.StopPour += m => StopPour?.Invoke(m) ?? Task.CompletedTask;
        client.StartCalibrationPour += m => StartCalibrationPour?.Invoke(m) ?? Task.CompletedTask;
        client.StopCalibrationPour += m => StopCalibrationPour?.Invoke(m) ?? Task.CompletedTask;
        return client;
    }

    /// <summary>The server of the current connection (the one the agent talks to, or tries next).</summary>
    public Uri Server => _servers[Volatile.Read(ref _serverIndex)];
    /// <summary>How many times the agent moved to the next server.</summary>
    public int Failovers => Volatile.Read(ref _failovers);

    /// <summary>Return from <see cref="RunAsync"/> when the server says the key is revoked (the key is the agent's own, from pairing).</summary>
    public bool ReturnWhenRevoked { get; set; }

    /// <summary>The controller's key; set before <see cref="RunAsync"/> once a controller with none has paired.</summary>
    public string ApiKey
    {
        get => _apiKey;
        set => _apiKey = value;
    }

    public IControllerHub Hub => _client;
    public bool IsUp => _up;
    /// <summary>Successful Hellos since the agent started (one per connection).</summary>
    public int HelloCount => Volatile.Read(ref _helloCount);
    public HelloResult? LastHello { get; private set; }
    public HubConnectionState State => _client.Connection.State;

    public event Func<HelloResult, Task>? Configured;
    public event Func<TapStateChangedMessage, Task>? TapStateChanged;
    public event Func<StopPourMessage, Task>? StopPour;
    public event Func<StartCalibrationPourMessage, Task>? StartCalibrationPour;
    public event Func<StopCalibrationPourMessage, Task>? StopCalibrationPour;
    public event Action<bool>? LinkChanged;
    public event Action<HelloResult>? HelloCompleted;

    /// <summary>
    /// Connects (forever), says Hello, and keeps the connection until <paramref name="ct"/> is cancelled. This loop only
    /// starts the connection: at first, and again if it closed for good (the server refused a reconnect). Drops in
    /// between are SignalR's automatic reconnect, never this loop.
    /// </summary>
    public async Task<ConnectionEnd> RunAsync(CancellationToken ct)
    {
        var revokedLogged = false;
        while (!ct.IsCancellationRequested)
        {
            _closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var attempt = 0L;
            var failed = 0;
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    await _client.StartAsync(ct);
                    break;
                }
                catch (Exception ex) when (!ct.IsCancellationRequested)
                {
                    if (IsRefusal(ex) && await IsRevokedAsync(Server, _apiKey, ct))
                    {
                        if (ReturnWhenRevoked)
                        {
                            _logger.LogWarning("{Server} refused this controller's key: it was revoked", Server);
                            return ConnectionEnd.KeyRevoked;
                        }
                        if (!revokedLogged)
                            _logger.LogError("{Server} refused this controller's key: it was revoked. Remove the configured key (Agent:ApiKey) so the agent pairs again", Server);
                        revokedLogged = true;
                    }
                    if (_servers.Count > 1 && ++failed % _servers.Count != 0)
                    {
                        _logger.LogWarning("Cannot reach {Server}: {Error}; trying the next server", Server, ex.Message);
                        await FailOverAsync();
                        continue;
                    }
                    var delay = _policy.Delay(attempt++);
                    _logger.LogWarning("Cannot reach {Server} (attempt {Attempt}): {Error}; retrying in {Delay} s", Server, attempt, ex.Message, delay.TotalSeconds);
                    await Task.Delay(delay, ct).ContinueWith(_ => { }, CancellationToken.None);
                    if (_servers.Count > 1) await FailOverAsync();
                }
            }
            if (ct.IsCancellationRequested) break;
            await HelloAsync(Interlocked.Increment(ref _generation), ct);
            await Task.WhenAny(_closed.Task, Task.Delay(Timeout.Infinite, ct));
            // Closed for good: with several servers, SignalR gave up reconnecting to this one; the next one gets a new connection.
            if (!ct.IsCancellationRequested && _servers.Count > 1)
            {
                _logger.LogWarning("Gave up reconnecting to {Server}; failing over to the next server", Server);
                await FailOverAsync();
            }
        }
        return ConnectionEnd.Stopped;
    }

    /// <summary>The server answered the WebSocket upgrade, but not with a WebSocket (a refused key among others).</summary>
    internal static bool IsRefusal(Exception? ex) =>
        ex is WebSocketException { WebSocketErrorCode: WebSocketError.NotAWebSocket } or HttpRequestException { StatusCode: HttpStatusCode.Unauthorized };

    /// <summary>Asks the hub's address with a plain request whether <paramref name="key"/> is refused because it was revoked.</summary>
    internal static async Task<bool> IsRevokedAsync(Uri server, string key, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(key)) return false;
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server, HubRoutes.Controller));
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            using var response = await http.SendAsync(request, ct);
            if (response.StatusCode != HttpStatusCode.Unauthorized) return false;
            using var problem = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), default, ct);
            return problem.RootElement.ValueKind == JsonValueKind.Object
                && problem.RootElement.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String
                && code.GetString() == PairingRoutes.RevokedProblemCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// SignalR's reconnect stops at a refusal (the server answered but not with a WebSocket), so the start loop, which
    /// can find out whether the key was revoked, takes over; a refusal for any other reason is started again the same way.
    /// </summary>
    private sealed class RefusalStopsReconnect(IRetryPolicy inner) : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext retryContext) =>
            IsRefusal(retryContext.RetryReason) ? null : inner.NextRetryDelay(retryContext);
    }

    /// <summary>Closes and disposes the current connection, then builds one to the next server (round-robin).</summary>
    private async Task FailOverAsync()
    {
        var old = _client;
        await old.DisposeAsync();
        lock (_clientGate)
        {
            if (_disposing.IsCancellationRequested) return;
            Interlocked.Increment(ref _generation);
            _serverIndex = (_serverIndex + 1) % _servers.Count;
            _client = Build(_servers[_serverIndex]);
            Interlocked.Increment(ref _failovers);
        }
    }

    /// <summary>
    /// Says Hello on connection <paramref name="generation"/> until it succeeds, or the connection is replaced or gone
    /// (the next connection says its own Hello). Never two Hellos on one connection.
    /// </summary>
    private async Task HelloAsync(long generation, CancellationToken ct)
    {
        for (var attempt = 1L; !ct.IsCancellationRequested && !_disposing.IsCancellationRequested; attempt++)
        {
            await _helloGate.WaitAsync(CancellationToken.None);
            try
            {
                if (Interlocked.Read(ref _generation) != generation || Interlocked.Read(ref _helloGeneration) >= generation) return;
                if (_client.Connection.State != HubConnectionState.Connected) return;
                var pending = _pendingCount();
                var server = Server;
                var hello = await _client.Hello(new HelloRequest(_agentVersion, pending));
                Interlocked.Exchange(ref _helloGeneration, generation);
                Interlocked.Increment(ref _helloCount);
                LastHello = hello;
                _logger.LogInformation("Connected to {Server} as controller {ControllerId}: {TapCount} tap(s), {Pending} pour(s) pending sync",
                    server, hello.ControllerId, hello.Taps.Count, pending);
                await Apply(hello);
                SetUp(true);
                HelloCompleted?.Invoke(hello);
                return;
            }
            catch (Exception ex)
            {
                _logger.LogError("Hello failed: {Error}", ex.Message);
            }
            finally
            {
                _helloGate.Release();
            }
            // Refused while the connection stays up (say the server is still starting): ask again on the same connection.
            await Task.Delay(_policy.Delay(attempt), ct).ContinueWith(_ => { }, CancellationToken.None);
        }
    }

    private Task Apply(HelloResult config) => Configured?.Invoke(config) ?? Task.CompletedTask;

    private void SetUp(bool up)
    {
        if (_up == up) return;
        _up = up;
        LinkChanged?.Invoke(up);
    }

    private Task OnReconnecting(Exception? error)
    {
        Interlocked.Increment(ref _generation);
        _logger.LogWarning("Connection to {Server} lost ({Error}); reconnecting", Server, error?.Message);
        SetUp(false);
        return Task.CompletedTask;
    }

    private Task OnReconnected(string? connectionId)
    {
        // SignalR runs this handler on its own; the Hello loop may wait for retries, so it is not awaited here.
        _ = HelloAsync(Interlocked.Increment(ref _generation), _disposing.Token);
        return Task.CompletedTask;
    }

    private Task OnClosed(Exception? error)
    {
        Interlocked.Increment(ref _generation);
        SetUp(false);
        _closed.TrySetResult();
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposing.IsCancellationRequested) return;
        lock (_clientGate) _disposing.Cancel();
        SetUp(false);
        await _client.DisposeAsync();
    }
}

/// <summary>Why <see cref="AgentConnection.RunAsync"/> returned.</summary>
public enum ConnectionEnd
{
    /// <summary>Cancelled: the agent stops.</summary>
    Stopped,
    /// <summary>The server said the key was revoked (only with <see cref="AgentConnection.ReturnWhenRevoked"/>).</summary>
    KeyRevoked,
}
