using Microsoft.Extensions.Logging;
using TapRoom.Contracts;
using TapRoom.HubClient;

namespace TapRoom.ControllerAgent.Storage;

/// <summary>
/// Sends finished sessions to the server with <c>CompletePour</c>, oldest first, one at a time. An accepted outcome
/// (synced, duplicate, late_sync_*) deletes the session; <c>rejected</c> sets it aside as dead (logged, never retried);
/// a failure (link down, server error) stops the round and schedules the same session again on the deterministic
/// backoff, so later sessions never overtake it.
/// </summary>
public sealed class JournalReplayer(PourJournal journal, ILogger logger, DeterministicRetryPolicy? backoff = null)
{
    private readonly DeterministicRetryPolicy _backoff = backoff ?? new DeterministicRetryPolicy();
    private readonly SemaphoreSlim _one = new(1, 1);

    public event Action<Guid, CompletePourResult>? Synced;

    /// <summary>Replays what is due at <paramref name="now"/>; returns how many sessions the server answered.</summary>
    public async Task<int> SyncDueAsync(IControllerHub hub, DateTime now, CancellationToken ct = default)
    {
        await _one.WaitAsync(ct);
        try
        {
            var answered = 0;
            while (!ct.IsCancellationRequested && journal.OldestUnsynced() is { } entry)
            {
                if (entry.NextAttemptAt is { } due && due > now) break;
                CompletePourResult result;
                try
                {
                    result = await hub.CompletePour(entry.ToCompleteRequest());
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    var next = now + _backoff.Delay(entry.Attempts + 1);
                    journal.AttemptFailed(entry.PourSessionId, ex.Message, next);
                    logger.LogWarning("Pour {PourSessionId} not synced yet (attempt {Attempt}): {Error}; next try at {Next:O}",
                        entry.PourSessionId, entry.Attempts + 1, ex.Message, next);
                    break;
                }
                answered++;
                if (result.Outcome == CompletePourOutcome.Rejected)
                {
                    journal.Rejected(entry.PourSessionId, result.Message ?? "rejected");
                    logger.LogError("Pour {PourSessionId} ({VolumeMl} ml) was rejected by the server and is kept as dead: {Message}",
                        entry.PourSessionId, entry.VolumeMl, result.Message);
                }
                else
                {
                    journal.Accepted(entry.PourSessionId);
                    logger.LogInformation("Pour {PourSessionId} synced: {Outcome}, {VolumeMl} ml, charged {Charged}",
                        entry.PourSessionId, result.Outcome, entry.VolumeMl, result.ChargedAmount);
                }
                Synced?.Invoke(entry.PourSessionId, result);
            }
            return answered;
        }
        finally
        {
            _one.Release();
        }
    }
}
