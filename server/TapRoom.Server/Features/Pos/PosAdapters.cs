using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using TapRoom.Contracts;

namespace TapRoom.Server.Features.Pos;

public sealed record PosDeliveryResult(bool Success, string? Error)
{
    public static readonly PosDeliveryResult Delivered = new(true, null);
    public static PosDeliveryResult Failed(string error) => new(false, error);
}

/// <summary>
/// The one boundary between TapRoom and a till. The core only ever writes outbox rows (<see cref="PosOutboxWriter"/>);
/// which adapter delivers them is configuration (<c>TapRoom:Pos:Mode</c>), so nothing outside this boundary forks on it.
/// Each call carries the entry's idempotency key: a retry or a redelivery after a crash repeats the same key.
/// </summary>
public interface IPosAdapter
{
    string Mode { get; }
    /// <summary>False in manual mode: entries wait in the queue until staff mark them done.</summary>
    bool DeliversAutomatically { get; }
    Task<PosDeliveryResult> NotifyTopUp(Guid idempotencyKey, string payloadJson, CancellationToken ct);
    Task<PosDeliveryResult> NotifyRefund(Guid idempotencyKey, string payloadJson, CancellationToken ct);
    Task<PosDeliveryResult> NotifyPour(Guid idempotencyKey, string payloadJson, CancellationToken ct);
}

public static class PosAdapterExtensions
{
    public static Task<PosDeliveryResult> NotifyAsync(this IPosAdapter adapter, PosOutboxKind kind, Guid key, string payloadJson, CancellationToken ct) => kind switch
    {
        PosOutboxKind.TopUp => adapter.NotifyTopUp(key, payloadJson, ct),
        PosOutboxKind.Refund => adapter.NotifyRefund(key, payloadJson, ct),
        PosOutboxKind.Pour => adapter.NotifyPour(key, payloadJson, ct),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The event name on the wire: <c>top_up</c>, <c>refund</c>, <c>pour</c>.</summary>
    public static string EventName(this PosOutboxKind kind) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(kind.ToString());
}

public sealed class NoopPosAdapter : IPosAdapter
{
    public string Mode => "noop";
    public bool DeliversAutomatically => true;
    public Task<PosDeliveryResult> NotifyTopUp(Guid idempotencyKey, string payloadJson, CancellationToken ct) => Task.FromResult(PosDeliveryResult.Delivered);
    public Task<PosDeliveryResult> NotifyRefund(Guid idempotencyKey, string payloadJson, CancellationToken ct) => Task.FromResult(PosDeliveryResult.Delivered);
    public Task<PosDeliveryResult> NotifyPour(Guid idempotencyKey, string payloadJson, CancellationToken ct) => Task.FromResult(PosDeliveryResult.Delivered);
}

/// <summary>Writes one line per notification (event, key, payload: amounts and ids, no secrets) for a bookkeeper to copy.</summary>
public sealed class LogPosAdapter(ILogger<LogPosAdapter> log) : IPosAdapter
{
    public string Mode => "log";
    public bool DeliversAutomatically => true;
    public Task<PosDeliveryResult> NotifyTopUp(Guid idempotencyKey, string payloadJson, CancellationToken ct) => Write(PosOutboxKind.TopUp, idempotencyKey, payloadJson);
    public Task<PosDeliveryResult> NotifyRefund(Guid idempotencyKey, string payloadJson, CancellationToken ct) => Write(PosOutboxKind.Refund, idempotencyKey, payloadJson);
    public Task<PosDeliveryResult> NotifyPour(Guid idempotencyKey, string payloadJson, CancellationToken ct) => Write(PosOutboxKind.Pour, idempotencyKey, payloadJson);

    private Task<PosDeliveryResult> Write(PosOutboxKind kind, Guid key, string payloadJson)
    {
        log.LogInformation("POS {PosEvent} {IdempotencyKey} {PosPayload}", kind.EventName(), key, payloadJson);
        return Task.FromResult(PosDeliveryResult.Delivered);
    }
}

/// <summary>Staff work the queue by hand: the delivery job leaves the entries alone, staff mark them done.</summary>
public sealed class ManualPosAdapter : IPosAdapter
{
    private static readonly PosDeliveryResult NotAutomatic = PosDeliveryResult.Failed("manual mode: staff settle entries by hand");
    public string Mode => "manual";
    public bool DeliversAutomatically => false;
    public Task<PosDeliveryResult> NotifyTopUp(Guid idempotencyKey, string payloadJson, CancellationToken ct) => Task.FromResult(NotAutomatic);
    public Task<PosDeliveryResult> NotifyRefund(Guid idempotencyKey, string payloadJson, CancellationToken ct) => Task.FromResult(NotAutomatic);
    public Task<PosDeliveryResult> NotifyPour(Guid idempotencyKey, string payloadJson, CancellationToken ct) => Task.FromResult(NotAutomatic);
}

/// <summary>
/// A signed JSON POST per notification. Headers: <c>X-TapRoom-Timestamp</c> (unix seconds), <c>X-TapRoom-Signature:
/// sha256=&lt;hex HMAC-SHA256 of "&lt;timestamp&gt;.&lt;body&gt;"&gt;</c>, <c>Idempotency-Key</c>, <c>X-TapRoom-Event</c>.
/// Any 2xx is delivered; anything else, a timeout or a connection failure is a failure with its reason.
/// </summary>
public sealed class WebhookPosAdapter(IHttpClientFactory http, IOptions<PosOptions> options, TimeProvider time, ILogger<WebhookPosAdapter> log) : IPosAdapter
{
    public const string HttpClientName = "pos-webhook";
    private const int MaxErrorBody = 300;

    public string Mode => "webhook";
    public bool DeliversAutomatically => true;
    public Task<PosDeliveryResult> NotifyTopUp(Guid idempotencyKey, string payloadJson, CancellationToken ct) => PostAsync(PosOutboxKind.TopUp, idempotencyKey, payloadJson, ct);
    public Task<PosDeliveryResult> NotifyRefund(Guid idempotencyKey, string payloadJson, CancellationToken ct) => PostAsync(PosOutboxKind.Refund, idempotencyKey, payloadJson, ct);
    public Task<PosDeliveryResult> NotifyPour(Guid idempotencyKey, string payloadJson, CancellationToken ct) => PostAsync(PosOutboxKind.Pour, idempotencyKey, payloadJson, ct);

    public static string Body(PosOutboxKind kind, Guid key, string payloadJson) => new JsonObject
    {
        ["event"] = kind.EventName(),
        ["idempotencyKey"] = key.ToString(),
        ["data"] = JsonNode.Parse(payloadJson),
    }.ToJsonString();

    public static string Sign(string secret, long timestamp, string body)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}"));
        return "sha256=" + Convert.ToHexStringLower(mac);
    }

    private async Task<PosDeliveryResult> PostAsync(PosOutboxKind kind, Guid key, string payloadJson, CancellationToken ct)
    {
        var o = options.Value;
        var body = Body(kind, key, payloadJson);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, o.WebhookUrl)
        {
            Content = new StringContent(body, new UTF8Encoding(false), "application/json"),
        };
        request.Headers.Add("X-TapRoom-Timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("X-TapRoom-Signature", Sign(o.WebhookSecret!, timestamp, body));
        request.Headers.Add("Idempotency-Key", key.ToString());
        request.Headers.Add("X-TapRoom-Event", kind.EventName());
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        // Network timeouts run on the wall clock, whatever clock the rest of the server uses.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(o.TimeoutSeconds));
        var client = http.CreateClient(HttpClientName);
        PosDeliveryResult result;
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (response.IsSuccessStatusCode) return PosDeliveryResult.Delivered;
            var text = await ReadTrimmedAsync(response, timeout.Token);
            result = PosDeliveryResult.Failed($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}: {text}".TrimEnd(' ', ':'));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            result = PosDeliveryResult.Failed($"timed out after {o.TimeoutSeconds} s");
        }
        catch (HttpRequestException ex)
        {
            result = PosDeliveryResult.Failed($"connection failed: {ex.Message}");
        }
        log.LogWarning("POS webhook {PosEvent} {IdempotencyKey} failed: {PosError}", kind.EventName(), key, result.Error);
        return result;
    }

    private static async Task<string> ReadTrimmedAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var text = (await response.Content.ReadAsStringAsync(ct)).ReplaceLineEndings(" ").Trim();
            return text.Length <= MaxErrorBody ? text : text[..MaxErrorBody] + "…";
        }
        catch (HttpRequestException)
        {
            return "";
        }
    }
}
