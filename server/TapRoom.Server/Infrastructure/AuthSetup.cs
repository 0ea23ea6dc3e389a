using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TapRoom.Contracts;
using TapRoom.Server.Data;

namespace TapRoom.Server.Infrastructure;

public static class Policies
{
    public const string Staff = "staff";
    public const string Manager = "manager";
    public const string Admin = "admin";
    public const string Controller = "controller";
    public const string LoginRateLimit = "login";
    public const string PairingStartRateLimit = "pairing-start";
    public const string PairingPollRateLimit = "pairing-poll";
    public const string PairingAdoptRateLimit = "pairing-adopt";
}

public static class AuthSetup
{
    public const string CookieName = "taproom.auth";

    private static RateLimitPartition<string> PerAddress(HttpContext http, string kind, int limit, TimeSpan window) =>
        RateLimitPartition.GetFixedWindowLimiter($"pairing-{kind}:{http.Connection.RemoteIpAddress?.ToString() ?? "unknown"}",
            _ => new FixedWindowRateLimiterOptions { PermitLimit = limit, Window = window, QueueLimit = 0 });

    public static IServiceCollection AddTapRoomAuth(this IServiceCollection services, TapRoomOptions options)
    {
        services.AddSingleton<StaffSessionCache>();
        services.AddSingleton<StaffConnections>();
        services.AddSingleton<IInstanceMessageHandler, Features.Auth.EndStaffSessionsOnThisInstance>();
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.Cookie.Name = CookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = Domain.StaffSession.IdleLifetime;
                o.SlidingExpiration = true;
                o.Events.OnRedirectToLogin = ctx => { ctx.Response.StatusCode = 401; return Task.CompletedTask; };
                o.Events.OnRedirectToAccessDenied = ctx => { ctx.Response.StatusCode = 403; return Task.CompletedTask; };
                o.Events.OnValidatePrincipal = StaffSessions.ValidateAsync;
                o.Events.OnCheckSlidingExpiration = StaffSessions.RenewAsync;
            })
            .AddScheme<AuthenticationSchemeOptions, ControllerKeyHandler>(ControllerKeyHandler.Scheme, _ => { });

        services.AddAuthorization(o =>
        {
            o.AddPolicy(Policies.Staff, p => p.RequireAuthenticatedUser().RequireRole(nameof(StaffRole.Staff), nameof(StaffRole.Manager), nameof(StaffRole.Admin)));
            o.AddPolicy(Policies.Manager, p => p.RequireAuthenticatedUser().RequireRole(nameof(StaffRole.Manager), nameof(StaffRole.Admin)));
            o.AddPolicy(Policies.Admin, p => p.RequireAuthenticatedUser().RequireRole(nameof(StaffRole.Admin)));
            o.AddPolicy(Policies.Controller, p => p
                .AddAuthenticationSchemes(ControllerKeyHandler.Scheme)
                .RequireAuthenticatedUser()
                .RequireClaim(TapRoomClaims.ControllerId));
            o.FallbackPolicy = null;
        });

        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(Policies.LoginRateLimit, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.Login.AttemptsPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                }));
            var pairing = options.Pairing;
            var window = TimeSpan.FromSeconds(pairing.WindowSeconds);
            o.AddPolicy(Policies.PairingStartRateLimit, http => PerAddress(http, "start", pairing.StartsPerAddress, window));
            o.AddPolicy(Policies.PairingPollRateLimit, http => PerAddress(http, "poll", pairing.PollsPerAddress, window));
            o.AddPolicy(Policies.PairingAdoptRateLimit, http => PerAddress(http, "adopt", pairing.AdoptsPerAddress, window));
            // Overall, on top of the per-address policies: many addresses together cannot sweep the code space either.
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                http.GetEndpoint()?.Metadata.GetMetadata<PairingOverallLimit>() is null
                    ? RateLimitPartition.GetNoLimiter("")
                    : RateLimitPartition.GetFixedWindowLimiter("pairing-overall", _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = pairing.Overall,
                        Window = window,
                        QueueLimit = 0,
                    }));
        });
        return services;
    }
}

/// <summary>Endpoint metadata: the route counts towards the overall pairing limit (<see cref="PairingOptions.Overall"/>).</summary>
public sealed class PairingOverallLimit
{
    public static readonly PairingOverallLimit Instance = new();
}

/// <summary>Controllers authenticate with their own API key: <c>Authorization: Bearer</c> or the <c>access_token</c> query parameter.</summary>
public sealed class ControllerKeyHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    TapRoomDbContext db)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public new const string Scheme = "ControllerKey";

    public static string Hash(string apiKey) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)));

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? key = null;
        var header = Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) key = header["Bearer ".Length..].Trim();
        else if (Request.Query.TryGetValue("access_token", out var token)) key = token.ToString();
        if (string.IsNullOrEmpty(key)) return AuthenticateResult.NoResult();
        if (key.Length > 200) return AuthenticateResult.Fail("Invalid controller key.");

        var hash = Hash(key);
        var controller = await db.Controllers.AsNoTracking()
            .Where(c => c.ApiKeyHash == hash)
            .Select(c => new { c.Id, c.Name, Revoked = c.RevokedAt != null })
            .FirstOrDefaultAsync(Context.RequestAborted);
        if (controller is null) return AuthenticateResult.Fail("Invalid controller key.");
        if (controller.Revoked)
        {
            _revoked = true;
            return AuthenticateResult.Fail("Revoked controller key.");
        }

        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, controller.Id.ToString()),
            new Claim(ClaimTypes.Name, controller.Name),
            new Claim(TapRoomClaims.ControllerId, controller.Id.ToString()),
        ], Scheme);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme));
    }

    /// <summary>
    /// A revoked key's 401 says so (problem code <c>controller_revoked</c>), so its agent drops the key and pairs again by
    /// itself; an unknown key's 401 stays plain, so a server that merely does not know the key never costs a controller its key.
    /// </summary>
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        await HandleAuthenticateOnceSafeAsync();
        if (!_revoked)
        {
            await base.HandleChallengeAsync(properties);
            return;
        }
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = StatusCodes.Status401Unauthorized,
            Title = "This controller's key was revoked.",
            Detail = "This controller's key was revoked: it joins again by a new pairing code.",
            Type = ProblemDetailsSetup.TypeFor(RevokedCode),
        };
        problem.Extensions["code"] = RevokedCode;
        await Context.RequestServices.GetRequiredService<IProblemDetailsService>()
            .TryWriteAsync(new ProblemDetailsContext { HttpContext = Context, ProblemDetails = problem });
    }

    private const string RevokedCode = PairingRoutes.RevokedProblemCode;
    private bool _revoked;
}

/// <summary>Puts the authenticated caller into <see cref="CurrentActor"/> for the request's handlers.</summary>
public sealed class ActorMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext http, CurrentActor actor)
    {
        actor.Value = Actor.FromPrincipal(http.User);
        return next(http);
    }
}

public sealed class HashingPasswordHasher
{
    private readonly Microsoft.AspNetCore.Identity.PasswordHasher<object> _hasher = new();
    private static readonly object User = new();

    public string Hash(string password) => _hasher.HashPassword(User, password);

    public bool Verify(string hash, string password) =>
        _hasher.VerifyHashedPassword(User, hash, password) != Microsoft.AspNetCore.Identity.PasswordVerificationResult.Failed;
}
