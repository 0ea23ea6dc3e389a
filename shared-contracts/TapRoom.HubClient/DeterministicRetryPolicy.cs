using Microsoft.AspNetCore.SignalR.Client;

namespace TapRoom.HubClient;

/// <summary>
/// Reconnects on a fixed, capped schedule: 0, 1, 2, 5, 10 s, then every 10 s. No jitter: deterministic. Forever, unless
/// <paramref name="maxRetries"/> is given: then SignalR's automatic reconnect gives up after that many attempts (the
/// connection closes), which is how a client with several servers moves on to the next.
/// </summary>
public sealed class DeterministicRetryPolicy(IReadOnlyList<TimeSpan>? schedule = null, int? maxRetries = null) : IRetryPolicy
{
    public static readonly IReadOnlyList<TimeSpan> DefaultSchedule =
        [TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10)];

    private readonly IReadOnlyList<TimeSpan> _schedule = schedule is { Count: > 0 } ? schedule : DefaultSchedule;

    /// <summary>The same schedule, giving up after <paramref name="retries"/> reconnect attempts.</summary>
    public DeterministicRetryPolicy GivingUpAfter(int retries) => new(_schedule, Math.Max(1, retries));

    public TimeSpan Delay(long attempt) => _schedule[(int)Math.Min(attempt, _schedule.Count - 1)];

    public TimeSpan? NextRetryDelay(RetryContext retryContext) =>
        maxRetries is { } max && retryContext.PreviousRetryCount >= max ? null : Delay(retryContext.PreviousRetryCount);
}
