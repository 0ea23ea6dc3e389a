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
/// One Hello per connection: each connection (the first start, every reconnect, every restart after a close) gets a
/// generation number, and Hello runs under a gate only while its generation is still the live one. A Hello that fails
/// never stops the connection: if the connection dropped, SignalR's reconnect brings a new generation with its own
/// Hello; if the server refused it, it is retried on the same connection. (Stopping the connection from a failed
/// Hello used to race SignalR's own reconnect: the stop could hit the newer connection after it had said Hello, and
/// the agent's loop then connected and said Hello a second time after a server restart.)
/// </para>
/// </summary>
public sealed class AgentConnection : IAsyncDisposable
{
    private readonly ControllerHubClient _client;
    private readonly DeterministicRetryPolicy _policy;
    private readonly Func<int> _pendingCount;
    private readonly string _agentVersion;
    private readonly ILogger _logger;
    private readonly Uri _server;
    private readonly SemaphoreSlim _helloGate = new(1, 1);
    private readonly CancellationTokenSource _disposing = new();
    private TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _generation;
    private long _helloGeneration;
    private volatile bool _up;
    private int _helloCount;

    public AgentConnection(Uri server, string apiKey, string agentVersion, Func<int> pendingCount, DeterministicRetryPolicy policy,
        ILoggerFactory loggers)
    {
        _server = server;
        _policy = policy;
        _pendingCount = pendingCount;
        _agentVersion = agentVersion;
        _logger = loggers.CreateLogger<AgentConnection>();
        _client = new ControllerHubClient(server, apiKey, policy, loggers, serverTimeout: TimeSpan.FromSeconds(20), keepAlive: TimeSpan.FromSeconds(5));
        _client.Connection.Reconnecting += OnReconnecting;
        _client.Connection.Reconnected += OnReconnected;
        _client.Connection.Closed += OnClosed;
        _client.WithEvents();
        _client.ConfigChanged += cfg => Apply(cfg);
        _client.TapStateChanged += m => TapStateChanged?.Invoke(m) ?? Task.CompletedTask;
        _client.StopPour += m => StopPour?.Invoke(m) ?? Task.CompletedTask;
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
    public event Action<bool>? LinkChanged;
    public event Action<HelloResult>? HelloCompleted;

    /// <summary>
    /// Connects (forever), says Hello, and keeps the connection until <paramref name="ct"/> is cancelled. This loop only
    /// starts the connection: at first, and again if it closed for good (the server refused a reconnect). Drops in
    /// between are SignalR's automatic reconnect, never this loop.
    /// </summary>
    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            _closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var attempt = 0L;
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    await _client.StartAsync(ct);
                    break;
                }
                catch (Exception ex) when (!ct.IsCancellationRequested)
                {
                    var delay = _policy.Delay(attempt++);
                    _logger.LogWarning("Cannot reach {Server} (attempt {Attempt}): {Error}; retrying in {Delay} s", _server, attempt, ex.Message, delay.TotalSeconds);
                    await Task.Delay(delay, ct).ContinueWith(_ => { }, CancellationToken.None);
                }
            }
            if (ct.IsCancellationRequested) break;
            await HelloAsync(Interlocked.Increment(ref _generation), ct);
            await Task.WhenAny(_closed.Task, Task.Delay(Timeout.Infinite, ct));
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
                var hello = await _client.Hello(new HelloRequest(_agentVersion, pending));
                Interlocked.Exchange(ref _helloGeneration, generation);
                Interlocked.Increment(ref _helloCount);
                LastHello = hello;
                _logger.LogInformation("Connected to {Server} as controller {ControllerId}: {TapCount} tap(s), {Pending} pour(s) pending sync",
                    _server, hello.ControllerId, hello.Taps.Count, pending);
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
        _logger.LogWarning("Connection to {Server} lost ({Error}); reconnecting", _server, error?.Message);
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
        await _disposing.CancelAsync();
        SetUp(false);
        await _client.DisposeAsync();
    }
}
