using Microsoft.AspNetCore.SignalR;
using TapRoom.Server.Features.Alerts;
using TapRoom.Server.Features.Auth;
using TapRoom.Server.Features.BeerTypes;
using TapRoom.Server.Features.Controllers;
using TapRoom.Server.Features.Dashboard;
using TapRoom.Server.Features.Health;
using TapRoom.Server.Features.Shifts;
using TapRoom.Server.Features.Pos;
using TapRoom.Server.Features.Kegs;
using TapRoom.Server.Features.Locations;
using TapRoom.Server.Features.LostCards;
using TapRoom.Server.Features.Pours;
using TapRoom.Server.Features.Taps;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features;

/// <summary>Each capability adds its services and maps its routes here: one line per capability.</summary>
public static class FeaturesSetup
{
    public const string HubDispatcherCategory = "Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher";

    public static IServiceCollection AddTapRoomFeatures(this IServiceCollection services, TapRoomOptions options)
    {
        services.AddScoped<AlertRaiser>();
        services.AddScoped<Pos.PosOutboxWriter>();
        services.AddScoped<Visits.VisitLedger>();
        services.AddScoped<Shifts.ShiftReportBuilder>();
        services.AddTapRoomPos();
        services.AddSingleton<Dashboard.DashboardPushQueue>();
        services.AddHostedService(sp => sp.GetRequiredService<Dashboard.DashboardPushQueue>());
        services.AddSingleton<Hubs.HubRefusalLog>();
        // SignalR logs every HubException a method throws at Error with its stack trace. Hubs.HubErrorFilter already
        // logs each refusal once at Warning (rate-limited) and each unexpected failure at Error with its stack trace.
        services.Configure<LoggerFilterOptions>(o => o.AddFilter(HubDispatcherCategory, LogLevel.Critical));
        services.AddSignalR(o =>
        {
            o.AddFilter<Hubs.HubErrorFilter>();
            o.AddFilter<Infrastructure.ShutdownHubFilter>();
            o.MaximumReceiveMessageSize = 32 * 1024;
        })
        // A controller's invocations may overlap (ADR 0035): a CompletePour of one tap never waits behind the
        // Authorize of its other tap. Each invocation has its own scope; the rules rest on conditional updates.
        .AddHubOptions<Hubs.ControllerHub>(o => o.MaximumParallelInvocationsPerClient = 4)
        .AddJsonProtocol(o =>
        {
            Contracts.TapRoomJson.Configure(o.PayloadSerializerOptions);
            // A controller's text (agent version, messages) reaches the dashboard and the log: no control characters.
            o.PayloadSerializerOptions.Converters.Insert(0, new NoControlCharactersConverter());
            o.PayloadSerializerOptions.AllowDuplicateProperties = false;
        });
        services.AddPours();
        services.AddSingleton<Board.BoardPushQueue>();
        if (options.Demo) services.AddSingleton<Demo.DemoBar>().AddHostedService(sp => sp.GetRequiredService<Demo.DemoBar>());
        return services;
    }

    public static IEndpointRouteBuilder MapTapRoomFeatures(this IEndpointRouteBuilder app)
    {
        app.MapHealthEndpoints();
        app.MapAuthEndpoints();
        app.MapControllerEndpoints();
        Guests.GuestEndpoints.MapGuestEndpoints(app);
        Visits.VisitEndpoints.MapVisitEndpoints(app);
        Audit.AuditEndpoints.MapAuditEndpoints(app);
        app.MapShiftEndpoints();
        app.MapLocationEndpoints();
        Chain.ChainEndpoints.MapChainEndpoints(app);
        app.MapPosEndpoints();
        app.MapBeerTypeEndpoints();
        app.MapTapEndpoints();
        app.MapKegEndpoints();
        Yield.YieldEndpoints.MapYieldEndpoints(app);
        Calibration.CalibrationEndpoints.MapCalibrationEndpoints(app);
        Stats.StatsEndpoints.MapStatsEndpoints(app);
        app.MapAlertEndpoints();
        app.MapLostCardEndpoints();
        app.MapPourEndpoints();
        app.MapTapStatusEndpoints();
        Temperature.TemperatureZones.MapTemperatureEndpoints(app);
        Board.BoardEndpoints.MapBoardEndpoints(app);
        app.MapHub<Hubs.ControllerHub>(Contracts.HubRoutes.Controller);
        app.MapDashboardEndpoints();
        return app;
    }
}
