using Microsoft.AspNetCore.SignalR.Client;

namespace TapRoom.HubClient;

/// <summary>Reconnects forever on a fixed, capped schedule: 0, 1, 2, 5, 10 s, then every 10 s. No jitter: deterministic.</summary>
public sealed class DeterministicRetryPolicy(IReadOnlyList<TimeSpan>? schedule = null) : IRetryPolicy
{
    public static readonly IReadOnlyList<TimeSpan> DefaultSchedule =
        [TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10)];

    private readonly IReadOnlyList<TimeSpan> _schedule = schedule is { Count: > 0 } ? schedule : DefaultSchedule;

    public TimeSpan Delay(long attempt) => _schedule[(int)Math.Min(attempt, _schedule.Count - 1)];

    public TimeSpan? NextRetryDelay(RetryContext retryContext) => Delay(retryContext.PreviousRetryCount);
}
