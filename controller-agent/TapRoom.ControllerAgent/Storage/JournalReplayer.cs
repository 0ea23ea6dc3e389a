using Microsoft.Extensions.Logging;
using TapRoom.Contracts;
using TapRoom.HubClient;

namespace TapRoom.ControllerAgent.Storage;

/// <summary>
/// Sends finished sessions to the server, oldest first, in batches of up to <see cref="SyncPoursRequest.MaxPours"/>
/// with <c>SyncPours</c> (one round trip and one server commit per batch; the server handles them in this order and is
/// idempotent per pour). A server without <c>SyncPours</c> gets them one at a time with <c>CompletePour</c>.
/// <para>
/// Pipelined: up to <see cref="BatchesInFlight"/> batches are sent before the first is answered, so the server works on
/// the next batch while this agent deletes the last one from its journal (ADR 0070). Answers are applied in the order
/// the batches were sent. An accepted outcome (synced, duplicate, late_sync_*) deletes the session, only once its own
/// answer arrived; <c>rejected</c> sets it aside as dead (logged, never retried); a failure (link down, server error,
/// or an error for one pour of a batch) stops the round and schedules that session again on the deterministic backoff.
/// Nothing after a failed session is applied in that round, not even what the server already answered for a batch in
/// flight behind it: those sessions stay in the journal and are sent again (the server answers <c>duplicate</c> and
/// charges nothing twice), so later sessions never overtake a failed one in the journal.
/// </para>
/// </summary>
public sealed class JournalReplayer(PourJournal journal, ILogger logger, DeterministicRetryPolicy? backoff = null)
{
    /// <summary>Batches sent and not yet answered, at most (the server takes up to 4 invocations per connection at once).</summary>
    public const int BatchesInFlight = 2;

    private readonly DeterministicRetryPolicy _backoff = backoff ?? new DeterministicRetryPolicy();
    private readonly SemaphoreSlim _one = new(1, 1);
    private bool _oneAtATime;

    public event Action<Guid, CompletePourResult>? Synced;

    /// <summary>Replays what is due at <paramref name="now"/>; returns how many sessions the server answered.</summary>
    public async Task<int> SyncDueAsync(IControllerHub hub, DateTime now, CancellationToken ct = default)
    {
        await _one.WaitAsync(ct);
        var inFlight = new Queue<(IReadOnlyList<JournalEntry> Due, Task<IReadOnlyList<SyncedPour>> Answer)>();
        try
        {
            var answered = 0;
            var after = 0L; // the last journal sequence sent in this round
            var more = true; // the journal may hold more due sessions after it
            while (true)
            {
                while (more && inFlight.Count < (_oneAtATime ? 1 : BatchesInFlight) && !ct.IsCancellationRequested)
                {
                    var max = _oneAtATime ? 1 : SyncPoursRequest.MaxPours;
                    var next = journal.DueUnsynced(now, max, after);
                    // Fewer than asked: the journal ends there, or its next session is not due (nothing may pass it).
                    more = next.Count == max;
                    if (next.Count == 0) break;
                    after = next[^1].Sequence;
                    inFlight.Enqueue((next, SendAsync(hub, next)));
                }
                if (inFlight.Count == 0) break;

                var (due, answer) = inFlight.Dequeue();
                IReadOnlyList<SyncedPour> results;
                try
                {
                    results = await answer;
                }
                catch (Exception ex) when (!_oneAtATime && ex.Message.Contains("Method does not exist", StringComparison.OrdinalIgnoreCase))
                {
                    logger.LogInformation("The server has no SyncPours; replaying one pour at a time");
                    _oneAtATime = true;
                    await AbandonAsync(inFlight);
                    (after, more) = (0, true); // nothing was applied: start again from the oldest
                    continue;
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    Failed(due[0], ex.Message);
                    break;
                }

                var (count, stop) = Apply(due, results);
                answered += count;
                if (stop) break;
            }
            return answered;
        }
        finally
        {
            // A failure or a cancellation leaves answers unapplied: they are awaited (never two rounds on the wire at
            // once) and dropped; their sessions stay in the journal for the next round.
            await AbandonAsync(inFlight);
            _one.Release();
        }

        // Applies one answer; returns how many sessions it answered and whether the round stops here.
        (int Answered, bool Stop) Apply(IReadOnlyList<JournalEntry> due, IReadOnlyList<SyncedPour> results)
        {
            var accepted = new List<Guid>();
            var stop = false;
            var handled = 0;
            int synced = 0, duplicates = 0, late = 0, rejected = 0;
            var charged = 0m;
            for (var i = 0; i < Math.Min(due.Count, results.Count); i++, handled++)
            {
                var (entry, result) = (due[i], results[i]);
                if (result.PourSessionId != entry.PourSessionId || result.Result is null)
                {
                    Failed(entry, result.Error ?? "no result for this pour");
                    stop = true;
                    break;
                }
                if (result.Result.Outcome == CompletePourOutcome.Rejected)
                {
                    rejected++;
                    journal.Rejected(entry.PourSessionId, result.Result.Message ?? "rejected");
                    logger.LogError("Pour {PourSessionId} ({VolumeMl} ml) was rejected by the server and is kept as dead: {Message}",
                        entry.PourSessionId, entry.VolumeMl, result.Result.Message);
                    continue;
                }
                accepted.Add(entry.PourSessionId);
                switch (result.Result.Outcome)
                {
                    case CompletePourOutcome.Synced: synced++; charged += result.Result.ChargedAmount; break;
                    case CompletePourOutcome.Duplicate: duplicates++; break;
                    default: late++; break;
                }
                logger.LogDebug("Pour {PourSessionId} synced: {Outcome}, {VolumeMl} ml, charged {Charged}",
                    entry.PourSessionId, result.Result.Outcome, entry.VolumeMl, result.Result.ChargedAmount);
            }
            // An answer that stops short (the link failed while the server worked through the batch) counts as a
            // failure of the first pour it did not answer, exactly as when sending one at a time.
            if (!stop && results.Count < due.Count)
            {
                Failed(due[results.Count], "no answer for this pour");
                stop = true;
            }
            journal.Accepted(accepted);
            if (handled > 0)
                logger.LogInformation("Replayed {Count} pour(s): {Synced} synced (charged {Charged}), {Duplicates} duplicate, {Late} late sync, {Rejected} rejected",
                    handled, synced, charged, duplicates, late, rejected);
            for (var i = 0; i < handled; i++) Synced?.Invoke(due[i].PourSessionId, results[i].Result!);
            return (handled, stop);
        }

        void Failed(JournalEntry entry, string error)
        {
            var next = now + _backoff.Delay(entry.Attempts + 1);
            journal.AttemptFailed(entry.PourSessionId, error, next);
            logger.LogWarning("Pour {PourSessionId} not synced yet (attempt {Attempt}): {Error}; next try at {Next:O}",
                entry.PourSessionId, entry.Attempts + 1, error, next);
        }
    }

    private async Task<IReadOnlyList<SyncedPour>> SendAsync(IControllerHub hub, IReadOnlyList<JournalEntry> due) =>
        _oneAtATime
            ? [new SyncedPour(due[0].PourSessionId, await hub.CompletePour(due[0].ToCompleteRequest()))]
            : (await hub.SyncPours(new SyncPoursRequest(due.Select(e => e.ToCompleteRequest()).ToList()))).Results;

    private async Task AbandonAsync(Queue<(IReadOnlyList<JournalEntry> Due, Task<IReadOnlyList<SyncedPour>> Answer)> inFlight)
    {
        while (inFlight.TryDequeue(out var batch))
        {
            try
            {
                await batch.Answer;
                logger.LogDebug("An answer for {Count} pour(s) behind a failed one was not applied; they are sent again", batch.Due.Count);
            }
            catch (Exception ex)
            {
                logger.LogDebug("A batch of {Count} pour(s) behind a failed one failed too: {Error}", batch.Due.Count, ex.Message);
            }
        }
    }
}
