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

    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Auth");

        auth.MapPost("/login", async Task<Ok<StaffUserDto>> (LoginRequest body, IMediator mediator, HttpContext http) =>
        {
            var user = await mediator.Send(new SignIn.Command(body.Login ?? "", body.Password ?? ""));
            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
                AuthSetup.StaffPrincipal(user.Id, user.Login, user.Name, user.Role));
            return TypedResults.Ok(user);
        }).RequireRateLimiting(Policies.LoginRateLimit).AllowAnonymous();

        auth.MapPost("/logout", async Task<NoContent> (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return TypedResults.NoContent();
        });

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
        return app;
    }
}
