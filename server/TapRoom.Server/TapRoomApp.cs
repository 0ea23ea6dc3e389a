using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Features;
using TapRoom.Server.Infrastructure;
using TapRoom.Server.Jobs;

namespace TapRoom.Server;

/// <summary>The composition root, shared by Program and the tests (which run the same host on a loopback port).</summary>
public static class TapRoomApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args.Where(a => a != "--demo").ToArray(),
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (args.Contains("--demo")) builder.Configuration["TapRoom:Demo"] = "true";
        configure?.Invoke(builder);

        var options = builder.Configuration.GetSection(TapRoomOptions.Section).Get<TapRoomOptions>() ?? new TapRoomOptions();
        builder.Services.Configure<TapRoomOptions>(builder.Configuration.GetSection(TapRoomOptions.Section));
        builder.AddTapRoomLogging(options);

        builder.Services.AddKestrelServerOptions();
        builder.Services.TryAddSingletonTimeProvider();
        builder.Services.AddSingleton<HashingPasswordHasher>();
        builder.Services.Configure<JsonOptions>(o =>
        {
            TapRoomJson.Configure(o.SerializerOptions);
            SecuritySetup.ConfigureStrictJson(o.SerializerOptions);
        });
        builder.Services.AddTapRoomProblemDetails();
        builder.Services.AddTapRoomDatabase(options, builder.Configuration);
        builder.Services.AddTapRoomMediator();
        builder.Services.AddTapRoomAuth(options);
        // Before the features: they replace SignalR's hub protocol, which AddSignalR (called here for Redis) registers.
        builder.Services.AddTapRoomScaleOut(options, builder.Configuration);
        builder.Services.AddTapRoomFeatures(options);
        builder.Services.AddTapRoomJobs(options);
        builder.Services.AddTapRoomOpenApi();
        builder.Services.AddTapRoomObservability(options);

        var app = builder.Build();
        app.UseTapRoomForwardedHeaders(options.ReverseProxy);
        app.UseTapRoomShutdownGuard();
        app.UseTapRoomSecurityHeaders();
        app.UseTapRoomRequestLogging();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseTapRoomCrossSiteRequestGuard();
        app.UseTapRoomWebApp();
        app.UseTapRoomSpaFallback();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseMiddleware<ActorMiddleware>();
        app.UseTapRoomVenueScope();
        var openApi = app.MapOpenApi("/openapi/{documentName}.json");
        if (!options.OpenApi.AllowAnonymous) openApi.RequireAuthorization(Policies.Staff);
        app.MapTapRoomFeatures();
        app.MapTapRoomJobsDashboard();
        app.MapTapRoomObservability();
        return app;
    }

    private static void AddKestrelServerOptions(this IServiceCollection services) =>
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(k =>
        {
            k.Limits.MaxRequestBodySize = 256 * 1024;
            k.AddServerHeader = false;
        });

    private static void TryAddSingletonTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider))) services.AddSingleton(TimeProvider.System);
    }

    /// <summary>Migrates and bootstraps the database, then runs until stopped (with <c>--demo</c>, Features/Demo/DemoBar seeds and pours once started).</summary>
    public static async Task RunTapRoomAsync(this WebApplication app)
    {
        await app.Services.InitializeDatabaseAsync();
        await app.RunAsync();
    }

    public static TapRoomOptions Options(this WebApplication app) => app.Services.GetRequiredService<IOptions<TapRoomOptions>>().Value;
}
