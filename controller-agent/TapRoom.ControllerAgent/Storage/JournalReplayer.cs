using Microsoft.Extensions.Logging;
using TapRoom.Contracts;
using TapRoom.HubClient;

namespace TapRoom.ControllerAgent.Storage;

/// <summary>
/// Sends finished sessions to the server, oldest first, in batches of up to <see cref="SyncPoursRequest.MaxPours"/>
/// with <c>SyncPours</c> (one round trip and one server commit per batch; the server handles them in this order and is
/// idempotent per pour). A server without <c>SyncPours</c> gets them one at a time with <c>CompletePour</c>. An accepted
/// outcome (synced, duplicate, late_sync_*) deletes the session; <c>rejected</c> sets it aside as dead (logged, never
/// retried); a failure (link down, server error, or an error for one pour of a batch) stops the round and schedules
/// that session again on the deterministic backoff, so later sessions never overtake it into a new round.
/// </summary>
public sealed class JournalReplayer(PourJournal journal, ILogger logger, DeterministicRetryPolicy? backoff = null)
{
    private readonly DeterministicRetryPolicy _backoff = backoff ?? new DeterministicRetryPolicy();
    private readonly SemaphoreSlim _one = new(1, 1);
    private bool _oneAtATime;

    public event Action<Guid, CompletePourResult>? Synced;

    /// <summary>Replays what is due at <paramref name="now"/>; returns how many sessions the server answered.</summary>
    public async Task<int> SyncDueAsync(IControllerHub hub, DateTime now, CancellationToken ct = default)
    {
        await _one.WaitAsync(ct);
        try
        {
            var answered = 0;
            while (!ct.IsCancellationRequested)
            {
                var due = journal.DueUnsynced(now, _oneAtATime ? 1 : SyncPoursRequest.MaxPours);
                if (due.Count == 0) break;
                IReadOnlyList<SyncedPour> results;
                try
                {
                    results = _oneAtATime
                        ? [new SyncedPour(due[0].PourSessionId, await hub.CompletePour(due[0].ToCompleteRequest()))]
                        : (await hub.SyncPours(new SyncPoursRequest(due.Select(e => e.ToCompleteRequest()).ToList()))).Results;
                }
                catch (Exception ex) when (!_oneAtATime && ex.Message.Contains("Method does not exist", StringComparison.OrdinalIgnoreCase))
                {
                    logger.LogInformation("The server has no SyncPours; replaying one pour at a time");
                    _oneAtATime = true;
                    continue;
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    Failed(due[0], ex.Message);
                    break;
                }

                var accepted = new List<Guid>();
                var stop = false;
                var handled = 0;
                for (var i = 0; i < Math.Min(due.Count, results.Count); i++, handled++)
                {
                    var (entry, result) = (due[i], results[i]);
                    if (result.PourSessionId != entry.PourSessionId || result.Result is null)
                    {
                        Failed(entry, result.Error ?? "no result for this pour");
                        stop = true;
                        break;
                    }
                    answered++;
                    if (result.Result.Outcome == CompletePourOutcome.Rejected)
                    {
                        journal.Rejected(entry.PourSessionId, result.Result.Message ?? "rejected");
                        logger.LogError("Pour {PourSessionId} ({VolumeMl} ml) was rejected by the server and is kept as dead: {Message}",
                            entry.PourSessionId, entry.VolumeMl, result.Result.Message);
                    }
                    else
                    {
                        accepted.Add(entry.PourSessionId);
                        logger.LogInformation("Pour {PourSessionId} synced: {Outcome}, {VolumeMl} ml, charged {Charged}",
                            entry.PourSessionId, result.Result.Outcome, entry.VolumeMl, result.Result.ChargedAmount);
                    }
                }
                // An answer that stops short (the link failed while the server worked through the batch) counts as a
                // failure of the first pour it did not answer, exactly as when sending one at a time.
                if (!stop && results.Count < due.Count)
                {
                    Failed(due[results.Count], "no answer for this pour");
                    stop = true;
                }
                journal.Accepted(accepted);
                for (var i = 0; i < handled; i++) Synced?.Invoke(due[i].PourSessionId, results[i].Result!);
                if (stop) break;
            }
            return answered;
        }
        finally
        {
            _one.Release();
        }

        void Failed(JournalEntry entry, string error)
        {
            var next = now + _backoff.Delay(entry.Attempts + 1);
            journal.AttemptFailed(entry.PourSessionId, error, next);
            logger.LogWarning("Pour {PourSessionId} not synced yet (attempt {Attempt}): {Error}; next try at {Next:O}",
                entry.PourSessionId, entry.Attempts + 1, error, next);
        }
    }
}
