using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace TapRoom.Server.Infrastructure;

/// <summary>
/// Several instances behind a load balancer (docs/adr/0042-redis-backplane-and-shared-keys.md). When
/// <c>ConnectionStrings:Redis</c> is set: SignalR's Redis backplane (a push from any instance reaches every client on
/// every instance), the data-protection keys in Redis (a cookie issued by one instance is read by all), and a Redis
/// check in <c>/healthz/ready</c>; and what every instance does for itself (<see cref="InstanceBus"/>, <see cref="InstanceSets"/>,
/// docs/adr/0055-work-every-instance-does-for-itself.md). Without it: one instance, keys in the data directory, as before.
/// </summary>
public static class ScaleOutSetup
{

    public static IServiceCollection AddTapRoomScaleOut(this IServiceCollection services, TapRoomOptions options, IConfiguration configuration)
    {
        var dataProtection = services.AddDataProtection().SetApplicationName("TapRoom");
        var redis = configuration.GetConnectionString("Redis");
        services.AddSingleton<InstanceSets>();
        services.AddSingleton<InstanceBus>();
        services.AddHostedService(sp => sp.GetRequiredService<InstanceBus>());
        if (string.IsNullOrWhiteSpace(redis))
        {
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(Path.GetFullPath(options.DataDirectory), "keys")));
            services.AddSingleton(new ThisInstance(null, "TapRoom"));
            return services;
        }

        ConfigurationOptions Parse()
        {
            var o = ConfigurationOptions.Parse(redis);
            o.AbortOnConnectFail = false; // start, and keep retrying, while Redis is briefly away
            return o;
        }
        var shared = new Lazy<IConnectionMultiplexer>(() => ConnectionMultiplexer.Connect(Parse()));
        services.AddSingleton(_ => shared.Value);
        var prefix = string.IsNullOrWhiteSpace(options.Redis.Prefix) ? "TapRoom" : options.Redis.Prefix.Trim();
        services.AddSingleton(sp => new ThisInstance(sp.GetRequiredService<IConnectionMultiplexer>(), prefix));
        dataProtection.PersistKeysToStackExchangeRedis(() => shared.Value.GetDatabase(), $"{prefix}:DataProtection-Keys");
        services.AddSignalR().AddStackExchangeRedis(o =>
        {
            o.Configuration = Parse();
            o.Configuration.ChannelPrefix = RedisChannel.Literal(prefix);
        });
        services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", tags: ["ready"]);
        return services;
    }
}

/// <summary>
/// Ready when Redis answers a PING and this instance listens on the instance channel (<see cref="InstanceBus.Subscribed"/>):
/// before that, a sign-out or a revocation published by another instance would not be heard here, so a load balancer
/// that waits for ready sends nothing to an instance that could miss one.
/// </summary>
public sealed class RedisHealthCheck(IConnectionMultiplexer redis, InstanceBus bus) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            var rtt = await redis.GetDatabase().PingAsync();
            if (!bus.Subscribed.IsCompletedSuccessfully)
                return HealthCheckResult.Unhealthy($"ping {rtt.TotalMilliseconds:0.0} ms; not yet listening on the instance channel");
            return HealthCheckResult.Healthy($"ping {rtt.TotalMilliseconds:0.0} ms; listening on the instance channel");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"unreachable: {ex.GetType().Name}");
        }
    }
}
