using Serilog;
using TapRoom.Server;
using TapRoom.Server.Infrastructure;

// Stage one of Serilog's two-stage setup: a console logger for what happens before the host is built (docs/adr/0022).
Log.Logger = LoggingSetup.CreateBootstrapLogger();
var stopping = CancellationToken.None; // the host's ApplicationStopping, read before the run disposes the host
try
{
    if (await DatabaseCli.TryRunAsync(args)) return 0;
    var app = TapRoomApp.Build(args);
    stopping = app.Lifetime.ApplicationStopping;
    await app.RunTapRoomAsync();
    return 0;
}
catch (OperationCanceledException) when (stopping.IsCancellationRequested)
{
    // Ctrl+C while the server was still starting (binding its ports, starting its jobs): a stop, not a failure.
    Log.Information("TapRoom stopped before it had finished starting");
    return 0;
}
catch (Exception ex) when (ex is not HostAbortedException)
{
    Log.Fatal(ex, "TapRoom stopped: the server could not start or failed");
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}
