using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Hubs;

/// <summary>
/// Every hub invocation: sets the actor from the connection's user, and turns refusals into a <see cref="HubException"/>
/// whose message starts with the stable code ("validation_failed: …", "not_found: …"); anything else stays hidden.
/// A refusal is logged once at Warning, without a stack trace, and at most <see cref="HubRefusalLog.LinesPerWindow"/>
/// times a minute per caller (a controller that loops on a bad call cannot flood the log); an unexpected failure is
/// logged at Error with its stack trace.
/// </summary>
public sealed class HubErrorFilter(ILogger<HubErrorFilter> log, HubRefusalLog refusals) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        context.ServiceProvider.GetRequiredService<CurrentActor>().Value = Actor.FromPrincipal(context.Context.User);
        try
        {
            return await next(context);
        }
        catch (DomainException ex)
        {
            throw Refused(context, $"{ex.Code}: {ex.Message}");
        }
        catch (RequestValidationException ex)
        {
            var fields = string.Join("; ", ex.Errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}"));
            throw Refused(context, $"validation_failed: {fields}");
        }
        catch (Exception ex) when (ex is InvalidDataException or JsonException or ArgumentException or InvalidCastException)
        {
            throw Refused(context, $"malformed_message: {ex.Message}");
        }
        catch (HubException ex)
        {
            throw Refused(context, ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            log.LogError(ex, "Hub method {Hub}.{Method} failed", context.Hub.GetType().Name, context.HubMethodName);
            throw new HubException("server_error: The error was logged.");
        }
    }

    private HubException Refused(HubInvocationContext context, string message)
    {
        var caller = HubRefusalLog.CallerOf(context.Context);
        if (refusals.TryTake(caller, out var suppressed))
        {
            log.LogWarning("Hub call {Hub}.{Method} by {Caller} refused: {Refusal} ({Suppressed} more refusals of this caller were not logged)",
                context.Hub.GetType().Name, context.HubMethodName, caller, message, suppressed);
        }
        return new HubException(message);
    }
}

/// <summary>How many refusal lines each caller (controller, staff user) may write: a fixed window per caller.</summary>
public sealed class HubRefusalLog(TimeProvider time)
{
    public const int LinesPerWindow = 10;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private const int MaxCallers = 10_000;

    private sealed class Bucket
    {
        public DateTimeOffset Start;
        public int Logged;
        public int Suppressed;
    }

    private readonly ConcurrentDictionary<string, Bucket> _buckets = new();

    public static string CallerOf(HubCallerContext context)
    {
        var user = context.User;
        var controller = user?.FindFirst(TapRoomClaims.ControllerId)?.Value;
        if (controller is not null) return $"controller:{controller}";
        var staff = user?.FindFirstValue(ClaimTypes.NameIdentifier);
        return staff is not null ? $"staff:{staff}" : $"connection:{context.ConnectionId}";
    }

    /// <summary>True when this refusal may be logged; <paramref name="suppressed"/> is how many were dropped since the last line.</summary>
    public bool TryTake(string caller, out int suppressed)
    {
        if (_buckets.Count > MaxCallers) _buckets.Clear();
        var now = time.GetUtcNow();
        var bucket = _buckets.GetOrAdd(caller, _ => new Bucket { Start = now });
        lock (bucket)
        {
            if (now - bucket.Start >= Window)
            {
                bucket.Start = now;
                bucket.Logged = 0;
            }
            if (bucket.Logged >= LinesPerWindow)
            {
                bucket.Suppressed++;
                suppressed = 0;
                return false;
            }
            bucket.Logged++;
            suppressed = bucket.Suppressed;
            bucket.Suppressed = 0;
            return true;
        }
    }
}
