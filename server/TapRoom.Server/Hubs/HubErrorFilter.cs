using System.Text.Json;
using MediatR;
using Microsoft.AspNetCore.SignalR;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Hubs;

/// <summary>
/// Every hub invocation: sets the actor from the connection's user, and turns refusals into a <see cref="HubException"/>
/// whose message starts with the stable code ("validation_failed: …", "not_found: …"); anything else stays hidden.
/// </summary>
public sealed class HubErrorFilter(ILogger<HubErrorFilter> log) : IHubFilter
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
            throw new HubException($"{ex.Code}: {ex.Message}");
        }
        catch (RequestValidationException ex)
        {
            var fields = string.Join("; ", ex.Errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}"));
            throw new HubException($"validation_failed: {fields}");
        }
        catch (Exception ex) when (ex is InvalidDataException or JsonException or ArgumentException or InvalidCastException)
        {
            throw new HubException($"malformed_message: {ex.Message}");
        }
        catch (Exception ex) when (ex is not HubException and not OperationCanceledException)
        {
            log.LogError(ex, "Hub method {Method} failed", context.HubMethodName);
            throw new HubException("server_error: The error was logged.");
        }
    }
}
