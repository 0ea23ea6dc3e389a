using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Logging;
using TapRoom.Contracts;
using TapRoom.HubClient;

namespace TapRoom.ControllerAgent.Connection;

/// <summary>
/// How a controller with no key joins (CONTRACT.md, "Pairing"): it asks a server for a code, shows it (the log and
/// <see cref="Code"/>, which the tap screens read), and polls until an admin adopts it, then returns the key. An expired
/// code is replaced by a new one; an unreachable server or a refusal is retried on the reconnect schedule, moving to
/// the next server in failover order.
/// </summary>
public sealed class PairingClient(IReadOnlyList<Uri> servers, string agentVersion, string hardwareId, DeterministicRetryPolicy policy,
    TimeSpan pollInterval, ILogger logger, HttpMessageHandler? handler = null) : IDisposable
{
    private readonly HttpClient _http = new(handler ?? new SocketsHttpHandler(), disposeHandler: true) { Timeout = TimeSpan.FromSeconds(15) };
    private volatile string? _code;
    private int _server;

    /// <summary>The code being shown, or null (not asked yet, or adopted).</summary>
    public string? Code => _code;

    public async Task<string> RunAsync(CancellationToken ct)
    {
        for (var failures = 0L; ; )
        {
            ct.ThrowIfCancellationRequested();
            var server = servers[_server % servers.Count];
            try
            {
                var key = await PairOnceAsync(server, ct);
                if (key is not null)
                {
                    _code = null;
                    return key;
                }
                failures = 0;
            }
            catch (Exception ex) when (!ct.IsCancellationRequested && ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
            {
                var delay = policy.Delay(failures++);
                logger.LogWarning("Pairing with {Server} failed: {Error}; retrying in {Delay} s", server, ex.Message, delay.TotalSeconds);
                _server++;
                await Task.Delay(delay, ct);
            }
        }
    }

    /// <summary>One code, from asking to adoption (the key) or expiry (null: ask again).</summary>
    private async Task<string?> PairOnceAsync(Uri server, CancellationToken ct)
    {
        using var response = await _http.PostAsJsonAsync(new Uri(server, PairingRoutes.Start), new StartPairingRequest(agentVersion, hardwareId),
            ControllerJsonContext.Default.StartPairingRequest, ct);
        await EnsureSuccessAsync(response, ct);
        var started = await response.Content.ReadFromJsonAsync(ControllerJsonContext.Default.PairingStarted, ct)
            ?? throw new HttpRequestException("The server answered the pairing request with nothing.");
        _code = started.Code;
        logger.LogWarning("Not paired yet. Pairing code {Code} (valid until {ExpiresAt:HH:mm} UTC): an admin enters it in the dashboard, "
            + "Controllers, Adopt a controller", started.Code, started.ExpiresAt);

        var poll = new Uri(server, PairingRoutes.Poll(started.PairingId, started.PollToken));
        while (true)
        {
            await Task.Delay(pollInterval, ct);
            using var answer = await _http.GetAsync(poll, ct);
            if (answer.StatusCode == HttpStatusCode.TooManyRequests)
            {
                await Task.Delay(pollInterval, ct);
                continue;
            }
            await EnsureSuccessAsync(answer, ct);
            var result = await answer.Content.ReadFromJsonAsync(ControllerJsonContext.Default.PairingPollResult, ct)
                ?? throw new HttpRequestException("The server answered the poll with nothing.");
            switch (result.Status)
            {
                case PairingStatus.Waiting:
                    continue;
                case PairingStatus.Adopted when result.ApiKey is { Length: > 0 } key:
                    logger.LogInformation("Adopted: the key is kept in the data directory");
                    return key;
                case PairingStatus.Adopted:
                    logger.LogError("Pairing code {Code} was adopted but its key went out already; asking for a new code", started.Code);
                    return null;
                default:
                    logger.LogWarning("Pairing code {Code} expired; asking for a new one", started.Code);
                    return null;
            }
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode) return;
        var body = await response.Content.ReadAsStringAsync(ct);
        throw new HttpRequestException($"{(int)response.StatusCode} {response.ReasonPhrase}: {(body.Length > 200 ? body[..200] : body)}", null, response.StatusCode);
    }

    public void Dispose() => _http.Dispose();
}
