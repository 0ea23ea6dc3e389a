using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TapRoom.Contracts;

namespace TapRoom.HubClient;

/// <summary>A typed controller connection to <c>/hubs/controller</c>: the hub's methods as C# calls, its pushes as events.</summary>
public sealed class ControllerHubClient : IControllerHub, IAsyncDisposable
{
    public HubConnection Connection { get; }

    public ControllerHubClient(Uri serverUrl, string apiKey, IRetryPolicy? retryPolicy = null, ILoggerFactory? loggerFactory = null,
        TimeSpan? serverTimeout = null, TimeSpan? keepAlive = null)
        : this(serverUrl, () => apiKey, retryPolicy, loggerFactory, serverTimeout, keepAlive)
    {
    }

    /// <param name="apiKey">Read at every (re)connect: a controller that paired after it was built connects with its new key.</param>
    public ControllerHubClient(Uri serverUrl, Func<string> apiKey, IRetryPolicy? retryPolicy = null, ILoggerFactory? loggerFactory = null,
        TimeSpan? serverTimeout = null, TimeSpan? keepAlive = null)
    {
        Connection = HubConnections.Build(new Uri(serverUrl, HubRoutes.Controller), ControllerJsonContext.Default, apiKey, retryPolicy, loggerFactory,
            serverTimeout, keepAlive);
    }

    public event Func<TapStateChangedMessage, Task>? TapStateChanged;
    public event Func<HelloResult, Task>? ConfigChanged;
    public event Func<StopPourMessage, Task>? StopPour;
    public event Func<StartCalibrationPourMessage, Task>? StartCalibrationPour;
    public event Func<StopCalibrationPourMessage, Task>? StopCalibrationPour;

    /// <summary>Binds the server's pushes to <paramref name="client"/>.</summary>
    public void Register(IControllerClient client)
    {
        Connection.On<TapStateChangedMessage>(nameof(IControllerClient.TapStateChanged), client.TapStateChanged);
        Connection.On<HelloResult>(nameof(IControllerClient.ConfigChanged), client.ConfigChanged);
        Connection.On<StopPourMessage>(nameof(IControllerClient.StopPour), client.StopPour);
        Connection.On<StartCalibrationPourMessage>(nameof(IControllerClient.StartCalibrationPour), client.StartCalibrationPour);
        Connection.On<StopCalibrationPourMessage>(nameof(IControllerClient.StopCalibrationPour), client.StopCalibrationPour);
    }

    /// <summary>Raises the events below for the server's pushes (an alternative to <see cref="Register"/>).</summary>
    public ControllerHubClient WithEvents()
    {
        Connection.On<TapStateChangedMessage>(nameof(IControllerClient.TapStateChanged), m => TapStateChanged?.Invoke(m) ?? Task.CompletedTask);
        Connection.On<HelloResult>(nameof(IControllerClient.ConfigChanged), m => ConfigChanged?.Invoke(m) ?? Task.CompletedTask);
        Connection.On<StopPourMessage>(nameof(IControllerClient.StopPour), m => StopPour?.Invoke(m) ?? Task.CompletedTask);
        Connection.On<StartCalibrationPourMessage>(nameof(IControllerClient.StartCalibrationPour), m => StartCalibrationPour?.Invoke(m) ?? Task.CompletedTask);
        Connection.On<StopCalibrationPourMessage>(nameof(IControllerClient.StopCalibrationPour), m => StopCalibrationPour?.Invoke(m) ?? Task.CompletedTask);
        return this;
    }

    public Task StartAsync(CancellationToken ct = default) => Connection.StartAsync(ct);

    public Task<HelloResult> Hello(HelloRequest request) => Connection.InvokeAsync<HelloResult>(nameof(Hello), request);
    public Task<AuthorizeResult> Authorize(AuthorizeRequest request) => Connection.InvokeAsync<AuthorizeResult>(nameof(Authorize), request);
    public Task<CompletePourResult> CompletePour(CompletePourRequest request) => Connection.InvokeAsync<CompletePourResult>(nameof(CompletePour), request);
    public Task<SyncPoursResult> SyncPours(SyncPoursRequest request) => Connection.InvokeAsync<SyncPoursResult>(nameof(SyncPours), request);
    public Task PourProgress(PourProgressMessage message) => Connection.SendAsync(nameof(PourProgress), message);
    public Task CardPresented(CardPresentedMessage message) => Connection.SendAsync(nameof(CardPresented), message);
    public Task CardRemoved(CardRemovedMessage message) => Connection.SendAsync(nameof(CardRemoved), message);
    public Task FlowWithoutPour(FlowWithoutPourMessage message) => Connection.SendAsync(nameof(FlowWithoutPour), message);
    public Task<TemperatureReadingsResult> TemperatureReadings(TemperatureReadingsRequest request) =>
        Connection.InvokeAsync<TemperatureReadingsResult>(nameof(TemperatureReadings), request);
    public Task CalibrationPourDone(CalibrationPourDoneMessage message) => Connection.InvokeAsync(nameof(CalibrationPourDone), message);
    public Task<string> Echo(string text) => Connection.InvokeAsync<string>(nameof(Echo), text);

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}

public static class HubConnections
{
    /// <summary>Default server timeout: the connection counts as lost after this long without a message from the server.</summary>
    public static readonly TimeSpan DefaultServerTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Default keep-alive: the client pings this often (the server's timeout must be at least twice this).</summary>
    public static readonly TimeSpan DefaultKeepAlive = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A hub connection built the way the SignalR client's documentation shows: WebSockets only with
    /// <c>SkipNegotiation</c> (no negotiate round trip, so no sticky sessions behind a load balancer; this also turns off
    /// stateful reconnect, which TapRoom does not need because every request carries an idempotent id), the key through
    /// <c>AccessTokenProvider</c> (sent as <c>Authorization: Bearer</c>), automatic reconnect on
    /// <paramref name="retryPolicy"/>, explicit server timeout and keep-alive, and TapRoom's JSON conventions.
    /// <paramref name="configureSocket"/> adds what a caller needs on the upgrade request, e.g. the staff sign-in cookie.
    /// <paramref name="contracts"/> is the source-generated context put first (a dashboard: <see cref="TapRoomJsonContext"/>;
    /// a controller: <see cref="ControllerJsonContext"/>, so the AOT agent carries only its own types).
    /// </summary>
    public static HubConnection Build(Uri hubUrl, System.Text.Json.Serialization.JsonSerializerContext contracts, Func<string?> apiKey, IRetryPolicy? retryPolicy = null, ILoggerFactory? loggerFactory = null,
        TimeSpan? serverTimeout = null, TimeSpan? keepAlive = null, Action<System.Net.WebSockets.ClientWebSocketOptions>? configureSocket = null)
    {
        var builder = new HubConnectionBuilder()
            .WithUrl(hubUrl, o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
                o.AccessTokenProvider = () => Task.FromResult(apiKey());
                if (configureSocket is not null) o.WebSocketConfiguration = configureSocket;
            })
            .AddJsonProtocol(o => TapRoomJson.ConfigureSourceGenerated(o.PayloadSerializerOptions, contracts))
            .WithAutomaticReconnect(retryPolicy ?? new DeterministicRetryPolicy())
            .WithServerTimeout(serverTimeout ?? DefaultServerTimeout)
            .WithKeepAliveInterval(keepAlive ?? DefaultKeepAlive);
        if (loggerFactory is not null) builder.Services.AddSingleton(loggerFactory);
        return builder.Build();
    }
}
