using System.Security.Claims;
using MediatR;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Auth;

public static class AuthEndpoints
{
    public sealed record LoginRequest(string Login, string Password);

    public sealed record ChangePasswordRequest(string CurrentPassword, string NewPassword);

    public sealed record RoleRequest(StaffRole Role);

    public sealed record LocationsRequest(IReadOnlyList<Guid>? LocationIds);

    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Auth");

        auth.MapPost("/login", async Task<Ok<CurrentUserDto>> (LoginRequest body, IMediator mediator, HttpContext http, TapRoomDbContext db) =>
        {
            var (user, sessionId) = await mediator.Send(new SignIn.Command(body.Login ?? "", body.Password ?? ""));
            await StaffSessions.SignInAsync(http, user, sessionId);
            return TypedResults.Ok(new CurrentUserDto(user.Id, user.Login, user.Name, user.Role,
                await Locations.ListLocations.RefsAsync(db, user.Id, user.Role, http.RequestAborted)));
        }).RequireRateLimiting(Policies.LoginRateLimit).AllowAnonymous();

        // Ends this session on the server (a copied cookie of it stops working too); the user's other browsers stay signed
        // in. Without a valid session it only clears this browser's cookie.
        auth.MapPost("/logout", async Task<NoContent> (HttpContext http, IMediator mediator) =>
        {
            if (Actor.FromPrincipal(http.User) is { Kind: ActorKind.Staff, Id: { } id } && StaffSessions.SessionId(http.User) is { } sessionId)
                await mediator.Send(new SignOut.Command(id, sessionId));
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return TypedResults.NoContent();
        });

        // Ends every session of the signed-in user, in every browser (as a password change does).
        auth.MapPost("/logout-everywhere", async Task<NoContent> (HttpContext http, IMediator mediator, ClaimsPrincipal user) =>
        {
            await mediator.Send(new SignOutEverywhere.Command(Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!)));
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return TypedResults.NoContent();
        }).RequireAuthorization(Policies.Staff);

        // The caller's other sessions end; this browser gets a fresh cookie and stays signed in.
        auth.MapPost("/password", async Task<NoContent> (ChangePasswordRequest body, IMediator mediator, HttpContext http, ClaimsPrincipal user) =>
        {
            var id = Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!);
            var changed = await mediator.Send(new ChangePassword.Command(id, body.CurrentPassword ?? "", body.NewPassword ?? ""));
            await StaffSessions.SignInAsync(http, changed, StaffSessions.SessionId(user)!.Value);
            return TypedResults.NoContent();
        }).RequireAuthorization(Policies.Staff);

        // The user and the venues they may open (the web app's venue switcher and its /v/{slug}/… URLs).
        auth.MapGet("/me", async Task<Ok<CurrentUserDto>> (ClaimsPrincipal user, TapRoomDbContext db, CancellationToken ct) =>
        {
            var id = Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!);
            var role = Enum.Parse<StaffRole>(user.FindFirstValue(ClaimTypes.Role)!);
            return TypedResults.Ok(new CurrentUserDto(id, user.FindFirstValue("login") ?? "", user.FindFirstValue(ClaimTypes.Name) ?? "", role,
                await Locations.ListLocations.RefsAsync(db, id, role, ct)));
        }).RequireAuthorization(Policies.Staff);

        var staff = app.MapGroup("/api/staff").WithTags("Staff users").RequireAuthorization(Policies.Admin);
        staff.MapGet("/", async (IMediator m) => TypedResults.Ok(await m.Send(new ListStaffUsers.Query())));
        staff.MapPost("/", async (CreateStaffUser.Command body, IMediator m) =>
        {
            var user = await m.Send(body);
            return TypedResults.Created($"/api/staff/{user.Id}", user);
        });
        staff.MapPut("/{id:guid}/locations", async (Guid id, LocationsRequest body, IMediator m) =>
            TypedResults.Ok(await m.Send(new ChangeStaffLocations.Command(id, body.LocationIds ?? []))));
        staff.MapPut("/{id:guid}/role", async (Guid id, RoleRequest body, IMediator m) =>
            TypedResults.Ok(await m.Send(new ChangeStaffRole.Command(id, body.Role))));
        staff.MapPost("/{id:guid}/deactivate", async (Guid id, IMediator m) =>
            TypedResults.Ok(await m.Send(new DeactivateStaffUser.Command(id))));
        return app;
    }
}
