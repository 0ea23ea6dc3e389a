namespace TapRoom.LoadDriver;

/// <summary>Latencies in 0.05 ms buckets up to 30 s (lock-free recording from many threads).</summary>
public sealed class Histogram
{
    private const double BucketMs = 0.05;
    private readonly long[] _buckets = new long[(int)(30_000 / BucketMs) + 1];
    private long _count;
    private long _maxTicks;

    public long Count => Interlocked.Read(ref _count);

    public void Record(double ms)
    {
        if (ms < 0) ms = 0;
        var i = Math.Min(_buckets.Length - 1, (int)(ms / BucketMs));
        Interlocked.Increment(ref _buckets[i]);
        Interlocked.Increment(ref _count);
        var ticks = (long)(ms * 1000);
        long seen;
        while (ticks > (seen = Interlocked.Read(ref _maxTicks)) && Interlocked.CompareExchange(ref _maxTicks, ticks, seen) != seen) { }
    }

    public double Max => Interlocked.Read(ref _maxTicks) / 1000.0;

    public double Percentile(double p)
    {
        var total = Count;
        if (total == 0) return double.NaN;
        var rank = (long)Math.Ceiling(p / 100.0 * total);
        long seen = 0;
        for (var i = 0; i < _buckets.Length; i++)
        {
            seen += Interlocked.Read(ref _buckets[i]);
            if (seen >= rank) return Math.Min((i + 1) * BucketMs, Max);
        }
        return Max;
    }

    public string Summary() => Count == 0
        ? "no samples"
        : $"p50 {Percentile(50):F2} ms  p95 {Percentile(95):F2} ms  p99 {Percentile(99):F2} ms  max {Max:F2} ms  (n={Count})";
}
