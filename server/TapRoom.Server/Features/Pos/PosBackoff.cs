namespace TapRoom.Server.Features.Pos;

/// <summary>
/// When a failed entry is tried again: <c>delay(n) = min(base × 2^(n−1), max) × (1 + j)</c> after the n-th failed attempt,
/// where <c>j</c> ∈ [−0.10, +0.10] is derived from the entry id and n (SplitMix64), rounded to whole milliseconds.
/// Deterministic, so that the schedule can be predicted, yet spread out, so that a night of failures does not retry in lockstep.
/// </summary>
public static class PosBackoff
{
    public static TimeSpan Delay(long entryId, int attempt, int baseSeconds, int maxSeconds)
    {
        var exponential = Math.Min(baseSeconds * Math.Pow(2, Math.Clamp(attempt, 1, 62) - 1), maxSeconds);
        return TimeSpan.FromMilliseconds(Math.Round(exponential * 1000 * (1 + Jitter(entryId, attempt))));
    }

    public static TimeSpan Delay(long entryId, int attempt, PosOptions options) =>
        Delay(entryId, attempt, options.RetryBaseSeconds, options.RetryMaxSeconds);

    /// <summary>A fraction in [−0.10, +0.10].</summary>
    public static double Jitter(long entryId, int attempt)
    {
        var x = SplitMix64(unchecked((ulong)entryId * 0x9E3779B97F4A7C15UL) ^ (ulong)attempt);
        return (x % 20_001) / 100_000.0 - 0.1;
    }

    private static ulong SplitMix64(ulong x)
    {
        unchecked
        {
            x += 0x9E3779B97F4A7C15UL;
            x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
            x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
            return x ^ (x >> 31);
        }
    }
}
