namespace TapRoom.Server.Infrastructure;

/// <summary>
/// An instance that is stopping takes no new hub connections. ASP.NET Core closes the open SignalR connections when the
/// host starts stopping, but Kestrel keeps accepting until its own shutdown ends; a controller that reconnects at once
/// (the first retry has no delay) would land back on the dying instance, look connected, and hold the shutdown open
/// until its timeout. Refused with 503 and <c>Retry-After</c>, the controller tries again: the next instance behind the
/// load balancer, or this one after its restart.
/// </summary>
public static class ShutdownGuard
{
    public static WebApplication UseTapRoomShutdownGuard(this WebApplication app)
    {
        var stopping = app.Lifetime.ApplicationStopping;
        app.Use(async (http, next) =>
        {
            if (stopping.IsCancellationRequested && http.Request.Path.StartsWithSegments("/hubs"))
            {
                http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                http.Response.Headers.RetryAfter = "1";
                http.Response.Headers.Connection = "close";
                return;
            }
            await next(http);
        });
        return app;
    }
}

/// <summary>
/// Closes the window the middleware leaves: a hub request that began just before the host started stopping, and reached
/// the hub after SignalR closed its connections, is aborted at connect instead of living until the shutdown timeout.
/// </summary>
public sealed class ShutdownHubFilter(IHostApplicationLifetime lifetime) : Microsoft.AspNetCore.SignalR.IHubFilter
{
    public Task OnConnectedAsync(Microsoft.AspNetCore.SignalR.HubLifetimeContext context, Func<Microsoft.AspNetCore.SignalR.HubLifetimeContext, Task> next)
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            context.Context.Abort();
            return Task.CompletedTask;
        }
        return next(context);
    }
}
