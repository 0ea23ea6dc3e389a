using System.IO.Pipelines;
using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace TapRoom.HubClient;

/// <summary>
/// Opens a WebSocket straight to the hub URL (no negotiate request; the server accepts that for WebSockets) and
/// exposes it as a <see cref="ConnectionContext"/> for SignalR's Client.Core. Stands in for Http.Connections.Client,
/// which is not available here (docs/adr/0002-signalr-client-transport.md). <c>configureSocket</c> adds what a caller
/// needs on the upgrade request, e.g. the staff sign-in cookie for the dashboard hub.
/// </summary>
public sealed class WebSocketConnectionFactory(Func<string?> apiKey, TimeSpan? connectTimeout = null, Action<ClientWebSocketOptions>? configureSocket = null)
    : IConnectionFactory
{
    public async ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not UriEndPoint { Uri: var uri }) throw new NotSupportedException($"Unsupported endpoint {endpoint}.");
        var wsUri = new UriBuilder(uri) { Scheme = uri.Scheme == "https" ? "wss" : uri.Scheme == "http" ? "ws" : uri.Scheme }.Uri;

        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(15);
        var key = apiKey();
        if (!string.IsNullOrEmpty(key)) socket.Options.SetRequestHeader("Authorization", "Bearer " + key);
        configureSocket?.Invoke(socket.Options);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(connectTimeout ?? TimeSpan.FromSeconds(10));
        try
        {
            await socket.ConnectAsync(wsUri, timeout.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new WebSocketConnection(socket, uri);
    }

    private sealed class WebSocketConnection : ConnectionContext, IConnectionInherentKeepAliveFeature
    {
        private readonly ClientWebSocket _socket;
        private readonly IDuplexPipe _application;
        private readonly Task _receiving;
        private readonly Task _sending;
        private readonly CancellationTokenSource _closed = new();

        public WebSocketConnection(ClientWebSocket socket, Uri uri)
        {
            _socket = socket;
            var input = new Pipe();
            var output = new Pipe();
            Transport = new DuplexPipe(input.Reader, output.Writer);
            _application = new DuplexPipe(output.Reader, input.Writer);
            ConnectionId = Guid.NewGuid().ToString("N");
            RemoteEndPoint = new UriEndPoint(uri);
            Features.Set<IConnectionInherentKeepAliveFeature>(this);
            ConnectionClosed = _closed.Token;
            _receiving = ReceiveAsync();
            _sending = SendAsync();
        }

        public bool HasInherentKeepAlive => false;
        public override IDuplexPipe Transport { get; set; }
        public override string ConnectionId { get; set; }
        public override IFeatureCollection Features { get; } = new FeatureCollection();
        public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

        private async Task ReceiveAsync()
        {
            var writer = _application.Output;
            try
            {
                while (true)
                {
                    var memory = writer.GetMemory(4096);
                    var result = await _socket.ReceiveAsync(memory, CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close) break;
                    writer.Advance(result.Count);
                    if (result.EndOfMessage && (await writer.FlushAsync()).IsCompleted) break;
                }
                await writer.CompleteAsync();
            }
            catch (Exception ex)
            {
                await writer.CompleteAsync(ex);
            }
            finally
            {
                _closed.Cancel();
            }
        }

        private async Task SendAsync()
        {
            var reader = _application.Input;
            try
            {
                while (true)
                {
                    var result = await reader.ReadAsync();
                    foreach (var segment in result.Buffer)
                    {
                        await _socket.SendAsync(segment, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
                    }
                    reader.AdvanceTo(result.Buffer.End);
                    if (result.IsCompleted || result.IsCanceled) break;
                }
                if (_socket.State == WebSocketState.Open)
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                await reader.CompleteAsync();
            }
            catch (Exception ex)
            {
                await reader.CompleteAsync(ex);
                _socket.Abort();
            }
        }

        public override async ValueTask DisposeAsync()
        {
            await Transport.Output.CompleteAsync();
            await Transport.Input.CompleteAsync();
            try
            {
                await Task.WhenAny(Task.WhenAll(_receiving, _sending), Task.Delay(TimeSpan.FromSeconds(2)));
            }
            finally
            {
                _socket.Abort();
                _socket.Dispose();
                _closed.Cancel();
            }
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }
}
