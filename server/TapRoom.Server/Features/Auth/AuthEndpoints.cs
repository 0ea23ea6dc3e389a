using System.Security.Claims;
using MediatR;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using TapRoom.Contracts;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Auth;

public static class AuthEndpoints
{
    public sealed record LoginRequest(string Login, string Password);

    public sealed record ChangePasswordRequest(string CurrentPassword, string NewPassword);

    public sealed record RoleRequest(StaffRole Role);

    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Auth");

        auth.MapPost("/login", async Task<Ok<StaffUserDto>> (LoginRequest body, IMediator mediator, HttpContext http) =>
        {
            var user = await mediator.Send(new SignIn.Command(body.Login ?? "", body.Password ?? ""));
            await StaffSessions.SignInAsync(http, user);
            return TypedResults.Ok(user);
        }).RequireRateLimiting(Policies.LoginRateLimit).AllowAnonymous();

        // Ends every session of the signed-in user on the server (a copied cookie stops working too); without a valid
        // session it only clears this browser's cookie.
        auth.MapPost("/logout", async Task<NoContent> (HttpContext http, IMediator mediator) =>
        {
            if (Actor.FromPrincipal(http.User) is { Kind: ActorKind.Staff, Id: { } id }) await mediator.Send(new SignOut.Command(id));
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return TypedResults.NoContent();
        });

        // The caller's other sessions end; this browser gets a fresh cookie and stays signed in.
        auth.MapPost("/password", async Task<NoContent> (ChangePasswordRequest body, IMediator mediator, HttpContext http, ClaimsPrincipal user) =>
        {
            var id = Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!);
            var changed = await mediator.Send(new ChangePassword.Command(id, body.CurrentPassword ?? "", body.NewPassword ?? ""));
            await StaffSessions.SignInAsync(http, changed);
            return TypedResults.NoContent();
        }).RequireAuthorization(Policies.Staff);

        auth.MapGet("/me", Ok<StaffUserDto> (ClaimsPrincipal user) => TypedResults.Ok(new StaffUserDto(
            Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!),
            user.FindFirstValue("login") ?? "",
            user.FindFirstValue(ClaimTypes.Name) ?? "",
            Enum.Parse<StaffRole>(user.FindFirstValue(ClaimTypes.Role)!)))).RequireAuthorization(Policies.Staff);

        var staff = app.MapGroup("/api/staff").WithTags("Staff users").RequireAuthorization(Policies.Admin);
        staff.MapGet("/", async (IMediator m) => TypedResults.Ok(await m.Send(new ListStaffUsers.Query())));
        staff.MapPost("/", async (CreateStaffUser.Command body, IMediator m) =>
        {
            var user = await m.Send(body);
            return TypedResults.Created($"/api/staff/{user.Id}", user);
        });
        staff.MapPut("/{id:guid}/role", async (Guid id, RoleRequest body, IMediator m) =>
            TypedResults.Ok(await m.Send(new ChangeStaffRole.Command(id, body.Role))));
        staff.MapPost("/{id:guid}/deactivate", async (Guid id, IMediator m) =>
            TypedResults.Ok(await m.Send(new DeactivateStaffUser.Command(id))));
        return app;
    }
}
