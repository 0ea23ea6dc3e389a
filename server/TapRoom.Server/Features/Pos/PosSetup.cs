using Microsoft.Extensions.Options;

namespace TapRoom.Server.Features.Pos;

public static class PosSetup
{
    /// <summary>The adapter is chosen once, from <c>TapRoom:Pos:Mode</c>; invalid settings stop the server at start.</summary>
    public static IServiceCollection AddTapRoomPos(this IServiceCollection services)
    {
        services.AddOptions<PosOptions>().BindConfiguration(PosOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PosOptions>, PosOptionsValidator>();
        // Our own log line names event and key; the factory's default request logging would add the URL.
        services.AddHttpClient(WebhookPosAdapter.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan).RemoveAllLoggers();
        services.AddSingleton<IPosAdapter>(sp => sp.GetRequiredService<IOptions<PosOptions>>().Value.NormalizedMode switch
        {
            "log" => ActivatorUtilities.CreateInstance<LogPosAdapter>(sp),
            "manual" => new ManualPosAdapter(),
            "webhook" => ActivatorUtilities.CreateInstance<WebhookPosAdapter>(sp),
            _ => new NoopPosAdapter(),
        });
        services.AddScoped<PosDeadLetters>();
        services.AddScoped<PosDeliveryRecorder>();
        return services;
    }
}
