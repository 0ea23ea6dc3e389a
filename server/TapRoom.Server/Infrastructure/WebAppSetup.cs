namespace TapRoom.Server.Infrastructure;

/// <summary>
/// Serves the built dashboard (web/ → wwwroot) at "/". Any other path without a file extension gets index.html so
/// the app's own routes (/v/{slug}/taps, /v/{slug}/visits/{id}) survive a reload and open as deep links; the server's
/// own paths (<see cref="ServerPaths"/>) never do: an unknown /api path stays a problem-details 404.
/// </summary>
public static class WebAppSetup
{
    /// <summary>Paths that belong to the server, never to the web app's router.</summary>
    public static readonly string[] ServerPaths = ["/api", "/hubs", "/openapi", "/hangfire", "/healthz", "/metrics"];

    public static WebApplication UseTapRoomWebApp(this WebApplication app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = ctx =>
            {
                // Vite fingerprints everything under /assets; index.html must always be revalidated.
                ctx.Context.Response.Headers.CacheControl = ctx.Context.Request.Path.StartsWithSegments("/assets")
                    ? "public, max-age=31536000, immutable"
                    : "no-cache";
            },
        });
        return app;
    }

    /// <summary>
    /// The dashboard's own routes (/v/{slug}/…) answer index.html when nothing else did. This is a middleware, not
    /// a fallback endpoint: an endpoint would compete with real API routes (a bodiless POST that a route's content-type
    /// check turned away would land on it), and unknown /api and /hubs paths must stay problem-details 404s.
    /// </summary>
    public static IApplicationBuilder UseTapRoomSpaFallback(this WebApplication app)
    {
        var index = app.Environment.WebRootFileProvider.GetFileInfo("index.html");
        return app.Use(async (http, next) =>
        {
            await next(http);
            var path = http.Request.Path;
            if (http.Response.StatusCode != StatusCodes.Status404NotFound || http.Response.HasStarted || http.GetEndpoint() is not null
                || !(HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method))
                || ServerPaths.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase)) || Path.HasExtension(path.Value)
                || !index.Exists)
            {
                return;
            }
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = "text/html; charset=utf-8";
            http.Response.Headers.CacheControl = "no-cache";
            await http.Response.SendFileAsync(index);
        });
    }
}
