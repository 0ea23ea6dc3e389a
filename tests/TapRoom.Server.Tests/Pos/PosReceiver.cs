using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace TapRoom.Server.Tests.Pos;

/// <summary>
/// A real HTTP till on 127.0.0.1: records every request, verifies signatures the way a POS would (see docs/OPERATIONS.md),
/// applies each idempotency key once, and can be told to fail, be down, or hold a request open.
/// </summary>
public sealed class PosReceiver : IAsyncDisposable
{
    public const string Secret = "pos-webhook-secret-for-tests-0123456789";

    public sealed record Request(string? IdempotencyKey, string? Event, string? Timestamp, string? Signature, string? ContentType, string Body, int Status);

    private readonly WebApplication _app;
    private readonly object _gate = new();
    private int _failuresLeft;

    public ConcurrentQueue<Request> Requests { get; } = new();
    /// <summary>Keys the till applied (a duplicate key is acknowledged but not applied again).</summary>
    public ConcurrentDictionary<string, int> Applied { get; } = new();
    public bool Down { get; set; }
    /// <summary>While set, an accepted request is applied and then held open until the task completes.</summary>
    public TaskCompletionSource? Hold { get; set; }
    public TaskCompletionSource Held { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public Uri Url { get; private set; } = null!;

    private PosReceiver(WebApplication app) => _app = app;

    public static async Task<PosReceiver> StartAsync(int failFirst = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new PosReceiver(app) { _failuresLeft = failFirst };
        app.MapPost("/till", (Func<HttpContext, Task<IResult>>)receiver.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri(new Uri(address), "/till");
        return receiver;
    }

    private async Task<IResult> HandleAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        string? H(string name) => http.Request.Headers.TryGetValue(name, out var v) ? v.ToString() : null;
        bool fail;
        lock (_gate)
        {
            fail = Down || _failuresLeft > 0;
            if (!Down && _failuresLeft > 0) _failuresLeft--;
        }
        var status = fail ? 503 : 200;
        Requests.Enqueue(new Request(H("Idempotency-Key"), H("X-TapRoom-Event"), H("X-TapRoom-Timestamp"), H("X-TapRoom-Signature"),
            http.Request.ContentType, body, status));
        if (fail) return Results.Text("till busy:\ntry later", statusCode: 503);

        Applied.AddOrUpdate(H("Idempotency-Key") ?? "", 1, (_, n) => n + 1);
        if (Hold is { } hold)
        {
            Held.TrySetResult();
            await hold.Task.WaitAsync(http.RequestAborted);
        }
        return Results.Json(new { ok = true });
    }

    public void ResetHeld() => Held = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>What a POS does with each request: HMAC-SHA256 of "timestamp.body" with its copy of the secret, compared in constant time.</summary>
    public static bool SignatureIsValid(string secret, string? timestamp, string? signature, string body)
    {
        if (timestamp is null || signature is null || !signature.StartsWith("sha256=", StringComparison.Ordinal)) return false;
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp + "." + body));
        byte[] given;
        try { given = Convert.FromHexString(signature["sha256=".Length..]); }
        catch (FormatException) { return false; }
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    public async ValueTask DisposeAsync()
    {
        Hold?.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
