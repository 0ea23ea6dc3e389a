using System.Collections.Concurrent;
using TapRoom.Contracts;
using TapRoom.ControllerAgent.Pouring;

namespace TapRoom.ControllerAgent.Tests.Infrastructure;

/// <summary>Time that moves only when the test says so; timers created from it fire during <see cref="Advance"/>.</summary>
public sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now = start;

    public ManualTime() : this(new DateTimeOffset(2026, 11, 21, 18, 0, 0, TimeSpan.Zero)) { }

    public DateTime Now => _now.UtcDateTime;
    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by)
    {
        var end = _now + by;
        while (true)
        {
            ManualTimer? next;
            lock (_timers) next = _timers.Where(t => t.Due <= end).OrderBy(t => t.Due).FirstOrDefault();
            if (next is null) break;
            _now = next.Due > _now ? next.Due : _now;
            next.Fire();
        }
        _now = end;
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        lock (_timers) _timers.Add(timer);
        return timer;
    }

    private sealed class ManualTimer(ManualTime owner, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan _period;
        public DateTimeOffset Due { get; private set; } = DateTimeOffset.MaxValue;

        public void Fire()
        {
            Due = _period > TimeSpan.Zero ? Due + _period : DateTimeOffset.MaxValue;
            callback(state);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            _period = period;
            Due = dueTime == Timeout.InfiniteTimeSpan ? DateTimeOffset.MaxValue : owner._now + dueTime;
            return true;
        }

        public void Dispose()
        {
            Due = DateTimeOffset.MaxValue;
            lock (owner._timers) owner._timers.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>The server's side of the hub, scripted (only for logic the real server cannot exercise yet).</summary>
public sealed class ScriptedHub : IControllerHub
{
    public Func<AuthorizeRequest, AuthorizeResult> OnAuthorize { get; set; } = _ => new AuthorizeResult(false, null, null, DenyReason.UnknownCard, "Unknown card", null, null);
    public Func<CompletePourRequest, CompletePourResult> OnComplete { get; set; } = _ => new CompletePourResult(CompletePourOutcome.Synced, 1m, 10m);
    public ConcurrentQueue<AuthorizeRequest> Authorizations { get; } = new();
    public ConcurrentQueue<CompletePourRequest> Completions { get; } = new();
    public ConcurrentQueue<PourProgressMessage> Progress { get; } = new();
    public ConcurrentQueue<FlowWithoutPourMessage> Leaks { get; } = new();
    public ConcurrentQueue<CalibrationPourDoneMessage> CalibrationPours { get; } = new();

    public Task<HelloResult> Hello(HelloRequest request) => throw new NotSupportedException();

    public Task<AuthorizeResult> Authorize(AuthorizeRequest request)
    {
        Authorizations.Enqueue(request);
        return Task.FromResult(OnAuthorize(request));
    }

    public Task<CompletePourResult> CompletePour(CompletePourRequest request)
    {
        Completions.Enqueue(request);
        return Task.FromResult(OnComplete(request));
    }

    /// <summary>Each completion through <see cref="OnComplete"/>, in order. A throw on the first fails the call (the
    /// link); a throw on a later one ends the answer there (the server answered a prefix), as the replayer allows.</summary>
    public Task<SyncPoursResult> SyncPours(SyncPoursRequest request)
    {
        var results = new List<SyncedPour>();
        foreach (var pour in request.Pours)
        {
            try
            {
                results.Add(new SyncedPour(pour.PourSessionId, CompletePour(pour).Result));
            }
            catch (Exception) when (results.Count > 0)
            {
                break;
            }
        }
        return Task.FromResult(new SyncPoursResult(results));
    }

    public Task PourProgress(PourProgressMessage message)
    {
        Progress.Enqueue(message);
        return Task.CompletedTask;
    }

    public Task CardPresented(CardPresentedMessage message) => Task.CompletedTask;
    public Task CardRemoved(CardRemovedMessage message) => Task.CompletedTask;

    public Task FlowWithoutPour(FlowWithoutPourMessage message)
    {
        Leaks.Enqueue(message);
        return Task.CompletedTask;
    }

    /// <summary>Temperature batches as they arrived; <see cref="OnTemperature"/> may throw to play a cut link.</summary>
    public ConcurrentQueue<TemperatureReadingsRequest> TemperatureBatches { get; } = new();
    public Func<TemperatureReadingsRequest, TemperatureReadingsResult> OnTemperature { get; set; } = r => new TemperatureReadingsResult(r.Readings.Count, 0);

    public Task<TemperatureReadingsResult> TemperatureReadings(TemperatureReadingsRequest request)
    {
        var result = OnTemperature(request);
        TemperatureBatches.Enqueue(request);
        return Task.FromResult(result);
    }

    public Task CalibrationPourDone(CalibrationPourDoneMessage message)
    {
        CalibrationPours.Enqueue(message);
        return Task.CompletedTask;
    }

    public Task<string> Echo(string text) => Task.FromResult(text);
}

public sealed class ScriptedLink(IControllerHub hub) : IAgentLink
{
    public bool IsUp { get; set; } = true;
    public IControllerHub Hub { get; } = hub;
    public int SyncRequests;
    public void RequestSync() => Interlocked.Increment(ref SyncRequests);
}

/// <summary>Keeps every formatted log line (to prove what is and is not logged).</summary>
public sealed class CapturingLoggerFactory : Microsoft.Extensions.Logging.ILoggerFactory
{
    public ConcurrentQueue<string> Lines { get; } = new();
    public void AddProvider(Microsoft.Extensions.Logging.ILoggerProvider provider) { }
    public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);
    public void Dispose() { }

    private sealed class Logger(CapturingLoggerFactory owner, string category) : Microsoft.Extensions.Logging.ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state,
            Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
