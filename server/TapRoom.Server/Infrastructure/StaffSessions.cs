using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;

namespace TapRoom.Server.Infrastructure;

/// <summary>
/// What a sign-in cookie is checked against on every request: the user's active flag, role and security stamp, cached
/// so a request costs no query. The cache entry of a user is dropped after the commit that changed any of them
/// (<see cref="Invalidate"/>); a read racing with that change is not stored (the generation check), so a stale stamp
/// can never be cached after the change. Entries also expire after <see cref="MaxAge"/> in case the database is edited
/// by hand. See docs/adr/0029-security-stamp-sessions.md.
/// With several instances (a Redis backplane is configured) another instance may change a user, and this cache would not
/// hear of it: there every request reads the stamp (one primary-key lookup) and nothing is cached.
/// </summary>
public sealed class StaffSessionCache(TimeProvider time, IConfiguration configuration)
{
    private readonly bool _severalInstances = !string.IsNullOrWhiteSpace(configuration.GetConnectionString("Redis"));

    public sealed record State(bool IsActive, StaffRole Role, string Stamp);

    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<Guid, (State? State, DateTimeOffset LoadedAt)> _entries = new();
    private long _generation;

    public async ValueTask<State?> GetAsync(Guid staffUserId, TapRoomDbContext db, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (!_severalInstances && _entries.TryGetValue(staffUserId, out var hit) && now - hit.LoadedAt < MaxAge) return hit.State;

        var generation = Interlocked.Read(ref _generation);
        var state = await db.StaffUsers.AsNoTracking().Where(u => u.Id == staffUserId)
            .Select(u => new State(u.IsActive, u.Role, u.SecurityStamp)).FirstOrDefaultAsync(ct);
        // Store only when no invalidation happened while reading: that read may hold the state from before the change.
        if (!_severalInstances && Interlocked.Read(ref _generation) == generation) _entries[staffUserId] = (state, now);
        return state;
    }

    public void Invalidate(Guid staffUserId)
    {
        Interlocked.Increment(ref _generation);
        _entries.TryRemove(staffUserId, out _);
    }
}

/// <summary>The dashboard hub connections of each staff user, so that ending a user's sessions closes their live connections too.</summary>
public sealed class StaffConnections
{
    private readonly ConcurrentDictionary<string, (Guid UserId, HubCallerContext Context)> _byConnection = new();

    public void Add(Guid staffUserId, HubCallerContext context) => _byConnection[context.ConnectionId] = (staffUserId, context);

    public void Remove(string connectionId) => _byConnection.TryRemove(connectionId, out _);

    public int AbortAll(Guid staffUserId)
    {
        var aborted = 0;
        foreach (var (id, entry) in _byConnection)
        {
            if (entry.UserId != staffUserId) continue;
            entry.Context.Abort();
            _byConnection.TryRemove(id, out _);
            aborted++;
        }
        return aborted;
    }
}

public static class StaffSessions
{
    public const string StampClaim = "taproom:stamp";

    public static ClaimsPrincipal Principal(Guid id, string login, string name, StaffRole role, string stamp) =>
        new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, id.ToString()),
            new Claim(ClaimTypes.Name, name),
            new Claim("login", login),
            new Claim(ClaimTypes.Role, role.ToString()),
            new Claim(StampClaim, stamp),
        ], CookieAuthenticationDefaults.AuthenticationScheme));

    /// <summary>Issues the sign-in cookie for a user with the stamp the database holds now.</summary>
    public static async Task SignInAsync(HttpContext http, StaffUserDto user)
    {
        var db = http.RequestServices.GetRequiredService<TapRoomDbContext>();
        var stamp = await db.StaffUsers.AsNoTracking().Where(u => u.Id == user.Id).Select(u => u.SecurityStamp).FirstAsync(http.RequestAborted);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, Principal(user.Id, user.Login, user.Name, user.Role, stamp));
    }

    /// <summary>
    /// Every request with a cookie: the user must still exist, be active, hold the same role, and the cookie's stamp must
    /// be the current one. Anything else ends the session (401 on the next protected route).
    /// </summary>
    public static async Task ValidateAsync(CookieValidatePrincipalContext ctx)
    {
        var principal = ctx.Principal;
        if (!Guid.TryParse(principal?.FindFirstValue(ClaimTypes.NameIdentifier), out var id)) { await RejectAsync(ctx); return; }
        var http = ctx.HttpContext;
        var state = await http.RequestServices.GetRequiredService<StaffSessionCache>()
            .GetAsync(id, http.RequestServices.GetRequiredService<TapRoomDbContext>(), http.RequestAborted);
        var stamp = principal!.FindFirstValue(StampClaim);
        if (state is null || !state.IsActive || state.Role.ToString() != principal.FindFirstValue(ClaimTypes.Role)
            || stamp is null || !System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(stamp), System.Text.Encoding.UTF8.GetBytes(state.Stamp)))
        {
            await RejectAsync(ctx);
        }
    }

    private static async Task RejectAsync(CookieValidatePrincipalContext ctx)
    {
        ctx.RejectPrincipal();
        await ctx.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }
}
