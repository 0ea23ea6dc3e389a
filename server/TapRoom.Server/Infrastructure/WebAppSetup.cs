namespace TapRoom.Server.Infrastructure;

/// <summary>
/// Serves the built dashboard (web/ → wwwroot) at "/". Any other path without a file extension gets index.html so
/// the app's own routes survive a reload; unknown /api and /hubs paths stay problem-details 404s.
/// </summary>
public static class WebAppSetup
{
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

    public static IEndpointRouteBuilder MapTapRoomWebAppFallback(this IEndpointRouteBuilder app)
    {
        app.MapFallback("/api/{**rest}", () => TypedResults.NotFound()).AllowAnonymous();
        app.MapFallback("/hubs/{**rest}", () => TypedResults.NotFound()).AllowAnonymous();
        app.MapFallbackToFile("index.html", new StaticFileOptions
        {
            OnPrepareResponse = ctx => ctx.Context.Response.Headers.CacheControl = "no-cache",
        }).AllowAnonymous();
        return app;
    }
}
