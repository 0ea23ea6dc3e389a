using System.Text.Json;
using StackExchange.Redis;

namespace TapRoom.Server.Infrastructure;

/// <summary>
/// This server instance among the others that share one Redis (docs/adr/0055-work-every-instance-does-for-itself.md):
/// its id, the venue's Redis prefix, and Redis itself (null with one instance, when <c>ConnectionStrings:Redis</c> is
/// not set).
/// </summary>
public sealed class ThisInstance(IConnectionMultiplexer? redis, string prefix)
{
    public string Id { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
    public IConnectionMultiplexer? Redis { get; } = redis;
    public string Prefix { get; } = prefix;
    public bool IsAlone => Redis is null;
}

/// <summary>Something every instance has to do for itself, e.g. abort the connections it holds of a revoked controller.</summary>
public sealed record InstanceMessage(string Kind, Guid Id, string? From = null)
{
    public const string ControllerRevoked = "controller_revoked";
    public const string StaffSessionsEnded = "staff_sessions_ended";
    public const string StaffSessionEnded = "staff_session_ended";
}

public interface IInstanceMessageHandler
{
    void Handle(InstanceMessage message);
}

/// <summary>
/// Tells every instance, this one included, to act on an <see cref="InstanceMessage"/>. SignalR can send a message to a
/// connection on another server, but not abort it there: the instance that holds the connection has to. One Redis
/// pub/sub channel <c>&lt;prefix&gt;:instances</c>; this instance acts at once, the others when the message arrives.
/// Pub/sub is at most once: an instance cut off from Redis at that moment misses it (the key check at the next connect
/// still refuses a revoked controller, the stamp check the next request of an ended session).
/// </summary>
public sealed class InstanceBus(ThisInstance instance, IServiceProvider services, ILogger<InstanceBus> log) : IHostedService
{
    private RedisChannel Channel => RedisChannel.Literal($"{instance.Prefix}:instances");
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once this instance listens on the channel (at once for a single instance). Until then, a
    /// message another instance publishes is not heard here (Redis pub/sub keeps nothing).</summary>
    public Task Subscribed => instance.Redis is null ? Task.CompletedTask : _subscribed.Task;

    public async Task PublishAsync(InstanceMessage message)
    {
        Dispatch(message);
        if (instance.Redis is not { } redis) return;
        try
        {
            await redis.GetSubscriber().PublishAsync(Channel, JsonSerializer.Serialize(message with { From = instance.Id }));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            log.LogWarning("Could not tell the other instances {Kind} {Id}: Redis unreachable ({Error})", message.Kind, message.Id, ex.GetType().Name);
        }
    }

    private void Dispatch(InstanceMessage message)
    {
        foreach (var handler in services.GetServices<IInstanceMessageHandler>())
        {
            try { handler.Handle(message); }
            catch (Exception ex) { log.LogError(ex, "Handling {Kind} {Id} failed", message.Kind, message.Id); }
        }
    }

    /// <summary>Subscribes without holding up the start while Redis is away (StackExchange.Redis subscribes again on reconnect).</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (instance.Redis is { } redis) _ = SubscribeAsync(redis);
        return Task.CompletedTask;
    }

    private async Task SubscribeAsync(IConnectionMultiplexer redis)
    {
        try
        {
            await redis.GetSubscriber().SubscribeAsync(Channel, (_, value) =>
            {
                InstanceMessage? message;
                try { message = JsonSerializer.Deserialize<InstanceMessage>(value.ToString()); }
                catch (JsonException) { return; }
                if (message is null || message.From == instance.Id) return;
                Dispatch(message);
            });
            _subscribed.TrySetResult();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            log.LogWarning("Could not subscribe to the instance channel: Redis unreachable ({Error})", ex.GetType().Name);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// A set of ids per instance in Redis (e.g. the controllers connected to it), and the union over all live instances.
/// Each instance rewrites its own set whenever it changes and every <see cref="Refresh"/>; the set expires after
/// <see cref="Ttl"/> when its instance dies. With one instance: the local set only.
/// </summary>
public sealed class InstanceSets(ThisInstance instance, ILogger<InstanceSets> log)
{
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(90);
    public static readonly TimeSpan Refresh = TimeSpan.FromSeconds(20);
    private const string Alive = "-"; // keeps an instance's key present while it holds no id

    /// <summary>False for a single instance (no Redis): there is nothing to share, and nothing need be written.</summary>
    public bool AreShared => !instance.IsAlone;

    private RedisKey Registry(string name) => $"{instance.Prefix}:presence:{name}";
    private RedisKey KeyOf(string name, string instanceId) => $"{instance.Prefix}:presence:{name}:{instanceId}";

    /// <summary>Replaces this instance's set; false when Redis could not be reached (the next refresh tries again).</summary>
    public async Task<bool> WriteAsync(string name, IReadOnlyCollection<string> members)
    {
        if (instance.Redis is not { } redis) return true;
        try
        {
            var key = KeyOf(name, instance.Id);
            var tx = redis.GetDatabase().CreateTransaction();
            _ = tx.KeyDeleteAsync(key);
            _ = tx.SetAddAsync(key, members.Append(Alive).Select(m => (RedisValue)m).ToArray());
            _ = tx.KeyExpireAsync(key, Ttl);
            _ = tx.SetAddAsync(Registry(name), instance.Id);
            return await tx.ExecuteAsync();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            log.LogWarning("Could not write this instance's {Name}: Redis unreachable ({Error})", name, ex.GetType().Name);
            return false;
        }
    }

    /// <summary>This instance's set removed (a clean stop).</summary>
    public async Task RemoveAsync(string name)
    {
        if (instance.Redis is not { } redis) return;
        try
        {
            var db = redis.GetDatabase();
            await db.KeyDeleteAsync(KeyOf(name, instance.Id));
            await db.SetRemoveAsync(Registry(name), instance.Id);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException) { }
    }

    /// <summary>The union of every live instance's set (<paramref name="local"/> included even when Redis is away).</summary>
    public async Task<IReadOnlySet<string>> ReadAllAsync(string name, IEnumerable<string> local)
    {
        var all = local.ToHashSet();
        if (instance.Redis is not { } redis) return all;
        try
        {
            var db = redis.GetDatabase();
            foreach (var other in await db.SetMembersAsync(Registry(name)))
            {
                var members = await db.SetMembersAsync(KeyOf(name, other.ToString()));
                if (members.Length == 0)
                {
                    await db.SetRemoveAsync(Registry(name), other); // its key expired: that instance is gone
                    continue;
                }
                foreach (var m in members) if (m != Alive) all.Add(m.ToString());
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            log.LogWarning("Could not read the other instances' {Name}: Redis unreachable ({Error})", name, ex.GetType().Name);
        }
        return all;
    }
}
