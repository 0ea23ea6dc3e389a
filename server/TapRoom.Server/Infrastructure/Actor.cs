using System.Security.Claims;
using TapRoom.Contracts;

namespace TapRoom.Server.Infrastructure;

public enum ActorKind { System, Staff, Controller }

/// <summary>Who is doing what: a staff user, a controller, or the system (jobs, bootstrap).</summary>
public sealed record Actor(ActorKind Kind, Guid? Id, string Name, StaffRole? Role = null)
{
    public static readonly Actor System = new(ActorKind.System, null, "system");

    public string KindName => Kind.ToString().ToLowerInvariant();

    public bool IsAtLeast(StaffRole role) => Kind == ActorKind.Staff && Role >= role;

    public static Actor FromPrincipal(ClaimsPrincipal? user)
    {
        if (user?.Identity?.IsAuthenticated != true) return System;
        var id = Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var g) ? g : (Guid?)null;
        var name = user.FindFirstValue(ClaimTypes.Name) ?? "unknown";
        if (user.HasClaim(c => c.Type == TapRoomClaims.ControllerId))
            return new Actor(ActorKind.Controller, id, name);
        var role = Enum.TryParse<StaffRole>(user.FindFirstValue(ClaimTypes.Role), true, out var r) ? r : StaffRole.Staff;
        return new Actor(ActorKind.Staff, id, name, role);
    }
}

public static class TapRoomClaims
{
    public const string ControllerId = "taproom:controller";
}

/// <summary>The actor of the current scope (request, hub invocation or job).</summary>
public sealed class CurrentActor
{
    public Actor Value { get; set; } = Actor.System;
}
