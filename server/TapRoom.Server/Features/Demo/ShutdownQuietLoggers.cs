namespace TapRoom.Server.Features.Demo;

/// <summary>
/// The loggers of the in-process demo agent. When the server stops it closes the agent's hub connection like any
/// other; the SignalR client and the agent would report that as errors with stack traces, which on Ctrl+C only look
/// like a crash. Once the application is stopping, their warnings and errors are written as one information line,
/// without the exception. Before that, nothing changes.
/// </summary>
public sealed class ShutdownQuietLoggers(ILoggerFactory inner, CancellationToken stopping) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new Quiet(inner.CreateLogger(categoryName), stopping);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose()
    {
        // The inner factory belongs to the host.
    }

    private sealed class Quiet(ILogger inner, CancellationToken stopping) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel) || (stopping.IsCancellationRequested && inner.IsEnabled(LogLevel.Information));

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (stopping.IsCancellationRequested && logLevel >= LogLevel.Warning)
            {
                var text = formatter(state, exception);
                inner.Log(LogLevel.Information, eventId, $"(stopping) {text}", null, (s, _) => s);
                return;
            }
            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
