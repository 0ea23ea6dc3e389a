using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TapRoom.Server.Hubs;
using TapRoom.Server.Jobs;

namespace TapRoom.Server.Features.Pours;

public static class PoursSetup
{
    /// <summary>The pour lifecycle's services, its lock-timeout job, and the hub protocol that names binding errors.</summary>
    public static IServiceCollection AddPours(this IServiceCollection services)
    {
        services.AddScoped<PourSettlement>();
        services.AddSingleton<ProgressWriter>();
        services.AddSingleton<OpenPours>();
        services.AddHostedService(sp => sp.GetRequiredService<OpenPours>());
        services.AddSingleton<ControllerConnections>();
        services.AddSingleton<Infrastructure.IInstanceMessageHandler>(sp => sp.GetRequiredService<ControllerConnections>());
        services.AddHostedService<ControllerPresence>();
        services.AddSingleton<TapStatePushQueue>();
        services.AddHostedService(sp => sp.GetRequiredService<TapStatePushQueue>());

        services.RemoveAll<IHubProtocol>();
        services.AddSingleton<IHubProtocol>(sp => new BindingErrorHubProtocol(
            new JsonHubProtocol(sp.GetRequiredService<IOptions<JsonHubProtocolOptions>>())));
        return services;
    }
}
