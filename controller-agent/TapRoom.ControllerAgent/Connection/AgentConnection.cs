using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Logging;
using TapRoom.Contracts;
using TapRoom.HubClient;

namespace TapRoom.ControllerAgent.Connection;

/// <summary>
/// The one persistent connection to <c>/hubs/controller</c>. The first connect is retried forever on the deterministic
/// schedule; later drops are reconnected by SignalR with the same schedule. After every (re)connect the agent says
/// Hello with its journal's pending count and applies the configuration it gets back. The link counts as up only
/// between a successful Hello and the next drop.
/// </summary>
public sealed class AgentConnection : IAsyncDisposable
{
    private readonly ControllerHubClient _client;
    private readonly DeterministicRetryPolicy _policy;
    private readonly Func<int> _pendingCount;
    private readonly string _agentVersion;
    private readonly ILogger _logger;
    private readonly Uri _server;
    private TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _up;

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
    public int HelloCount { get; private set; }
    public HelloResult? LastHello { get; private set; }
    public HubConnectionState State => _client.Connection.State;

    public event Func<HelloResult, Task>? Configured;
    public event Func<TapStateChangedMessage, Task>? TapStateChanged;
    public event Func<StopPourMessage, Task>? StopPour;
    public event Action<bool>? LinkChanged;
    public event Action<HelloResult>? HelloCompleted;

    /// <summary>Connects (forever), says Hello, and keeps the connection until <paramref name="ct"/> is cancelled.</summary>
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
            if (!await HelloAsync())
            {
                await _client.Connection.StopAsync(CancellationToken.None);
                await Task.Delay(_policy.Delay(1), ct).ContinueWith(_ => { }, CancellationToken.None);
                continue;
            }
            await Task.WhenAny(_closed.Task, Task.Delay(Timeout.Infinite, ct));
        }
    }

    private async Task<bool> HelloAsync()
    {
        try
        {
            var pending = _pendingCount();
            var hello = await _client.Hello(new HelloRequest(_agentVersion, pending));
            HelloCount++;
            LastHello = hello;
            _logger.LogInformation("Connected to {Server} as controller {ControllerId}: {TapCount} tap(s), {Pending} pour(s) pending sync",
                _server, hello.ControllerId, hello.Taps.Count, pending);
            await Apply(hello);
            SetUp(true);
            HelloCompleted?.Invoke(hello);
            return true;
        }
        catch (Exception ex)
        {
            _logger.LogError("Hello failed: {Error}", ex.Message);
            return false;
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
        _logger.LogWarning("Connection to {Server} lost ({Error}); reconnecting", _server, error?.Message);
        SetUp(false);
        return Task.CompletedTask;
    }

    private async Task OnReconnected(string? connectionId)
    {
        if (!await HelloAsync()) await _client.Connection.StopAsync();
    }

    private Task OnClosed(Exception? error)
    {
        SetUp(false);
        _closed.TrySetResult();
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        SetUp(false);
        await _client.DisposeAsync();
    }
}
