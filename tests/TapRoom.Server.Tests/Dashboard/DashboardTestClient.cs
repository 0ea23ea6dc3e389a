using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using TapRoom.Contracts;

namespace TapRoom.Server.Tests.Dashboard;

/// <summary>
/// A browser's view of the dashboard hub: a real WebSocket carrying the sign-in cookie, speaking SignalR's JSON hub
/// protocol (handshake, then record-separated messages). Collects every push it receives, in order; a batch push is
/// collected as itself and then as each of its items under the single push's name.
/// </summary>
public sealed class DashboardTestClient : IAsyncDisposable
{
    private const char RecordSeparator = '\u001e';
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentQueue<(string Target, JsonElement Argument)> _pushes = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _receiving = Task.CompletedTask;

    public IReadOnlyList<(string Target, JsonElement Argument)> Pushes => _pushes.ToArray();

    public static async Task<DashboardTestClient> ConnectAsync(Uri baseAddress, CookieContainer cookies)
    {
        var client = new DashboardTestClient();
        client._socket.Options.Cookies = cookies;
        var uri = new UriBuilder(baseAddress) { Scheme = "ws", Path = HubRoutes.Dashboard }.Uri;
        await client._socket.ConnectAsync(uri, CancellationToken.None);
        await client.SendAsync("{\"protocol\":\"json\",\"version\":1}" + RecordSeparator);
        var handshake = await client.ReceiveRecordsAsync(CancellationToken.None);
        if (handshake.Count == 0 || handshake[0] != "{}") throw new InvalidOperationException("Handshake failed: " + string.Join("|", handshake));
        client._receiving = client.ReceiveLoopAsync();
        return client;
    }

    public async Task<T> WaitForAsync<T>(string target, Func<T, bool>? match = null, int timeoutMs = 5000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (DateTime.UtcNow < deadline)
        {
            foreach (var (t, arg) in _pushes)
            {
                if (t != target) continue;
                var value = arg.Deserialize<T>(TapRoomJson.CreateOptions())!;
                if (match is null || match(value)) return value;
            }
            await Task.Delay(20);
        }
        throw new TimeoutException($"No {target} push matched within {timeoutMs} ms. Got: {string.Join(", ", _pushes.Select(p => p.Target))}");
    }

    public IEnumerable<T> All<T>(string target) =>
        _pushes.Where(p => p.Target == target).Select(p => p.Argument.Deserialize<T>(TapRoomJson.CreateOptions())!);

    private Task SendAsync(string text) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    private async Task<List<string>> ReceiveRecordsAsync(CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        var text = new StringBuilder();
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer, ct);
            if (result.MessageType == WebSocketMessageType.Close) return [];
            text.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
            if (result.EndOfMessage && text.Length > 0 && text[^1] == RecordSeparator) break;
        }
        return text.ToString().Split(RecordSeparator, StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    private async Task ReceiveLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested && _socket.State == WebSocketState.Open)
            {
                var records = await ReceiveRecordsAsync(_stop.Token);
                if (records.Count == 0) return;
                foreach (var record in records)
                {
                    var json = JsonDocument.Parse(record).RootElement;
                    if (json.GetProperty("type").GetInt32() != 1) continue;
                    var target = json.GetProperty("target").GetString()!;
                    var argument = json.GetProperty("arguments")[0].Clone();
                    _pushes.Enqueue((target, argument));
                    // A coalesced batch (TapUpdatedBatch { items }) is also seen as its single pushes, in order.
                    if (target.EndsWith("Batch", StringComparison.Ordinal))
                        foreach (var item in argument.GetProperty("items").EnumerateArray()) _pushes.Enqueue((target[..^"Batch".Length], item.Clone()));
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException) { }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try
        {
            if (_socket.State == WebSocketState.Open)
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception ex) when (ex is WebSocketException or TimeoutException or OperationCanceledException) { }
        await _receiving.WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(_ => { });
        _socket.Dispose();
        _stop.Dispose();
    }
}
