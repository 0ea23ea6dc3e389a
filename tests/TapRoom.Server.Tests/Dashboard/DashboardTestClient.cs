using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using TapRoom.Contracts;
using TapRoom.HubClient;

namespace TapRoom.Server.Tests.Dashboard;

/// <summary>
/// A signed-in dashboard: the SignalR .NET client (<see cref="HubConnections.Build"/>, WebSockets, the sign-in cookie on
/// the upgrade) subscribed to every <see cref="IDashboardClient"/> push. Collects every push it receives, in order, as
/// JSON, so tests read them the way the web app does; a coalesced batch (<c>TapUpdatedBatch { items }</c>) is collected
/// as itself and then as each of its items under the single push's name, as the web app applies it.
/// </summary>
public sealed class DashboardTestClient : IAsyncDisposable
{
    private readonly ConcurrentQueue<(string Target, JsonElement Argument)> _pushes = new();
    private readonly HubConnection _connection;

    private DashboardTestClient(Uri baseAddress, CookieContainer cookies)
    {
        _connection = HubConnections.Build(new Uri(baseAddress, HubRoutes.Dashboard), TapRoomJsonContext.Default, () => null, configureSocket: o => o.Cookies = cookies);
        foreach (var push in typeof(IDashboardClient).GetMethods().Select(m => m.Name).Distinct())
        {
            _connection.On(push, [typeof(JsonElement)], args =>
            {
                var argument = ((JsonElement)args[0]!).Clone();
                _pushes.Enqueue((push, argument));
                if (push.EndsWith("Batch", StringComparison.Ordinal))
                    foreach (var item in argument.GetProperty("items").EnumerateArray()) _pushes.Enqueue((push[..^"Batch".Length], item.Clone()));
                return Task.CompletedTask;
            });
        }
    }

    public IReadOnlyList<(string Target, JsonElement Argument)> Pushes => _pushes.ToArray();

    /// <summary>The server closed the connection (or it failed): the client is no longer connected (it may be trying to
    /// reconnect, which a signed-out cookie cannot).</summary>
    public bool IsClosed => _connection.State != HubConnectionState.Connected;

    public static async Task<DashboardTestClient> ConnectAsync(Uri baseAddress, CookieContainer cookies)
    {
        var client = new DashboardTestClient(baseAddress, cookies);
        await client._connection.StartAsync();
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

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _connection.StopAsync().WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (TimeoutException) { }
        await _connection.DisposeAsync();
    }
}
