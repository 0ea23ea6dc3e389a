using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;

namespace TapRoom.Server.Infrastructure;

/// <summary>
/// What a sign-in cookie is checked against on every request: its session (not signed out), the user's active flag,
/// role and security stamp, cached per session so a request costs no query. After the commit that ended a session
/// (<see cref="InvalidateSession"/>) or changed the user (<see cref="Invalidate"/>: every session of the user) the entry is
/// dropped; a read racing with that change is not stored (the generation check), so a stale state can never be cached
/// after the change. Entries also expire after <see cref="MaxAge"/> in case the database is edited by hand.
/// See docs/adr/0029-security-stamp-sessions.md and docs/adr/0081-sign-out-ends-one-session.md.
/// With several instances (a Redis backplane is configured) another instance may change a user or end a session, and
/// this cache would not hear of it in time: there every request reads the state (one indexed query) and nothing is cached.
/// </summary>
public sealed class StaffSessionCache(TimeProvider time, IConfiguration configuration)
{
    private readonly bool _severalInstances = !string.IsNullOrWhiteSpace(configuration.GetConnectionString("Redis"));

    public sealed record State(bool IsActive, StaffRole Role, string Stamp);

    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<Guid, (Guid UserId, State? State, DateTimeOffset LoadedAt)> _entries = new();
    private long _generation;

    /// <summary>The state of a live session of the user, or null when the session ended, died or is not the user's.</summary>
    public async ValueTask<State?> GetAsync(Guid sessionId, Guid staffUserId, TapRoomDbContext db, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (!_severalInstances && _entries.TryGetValue(sessionId, out var hit) && hit.UserId == staffUserId && now - hit.LoadedAt < MaxAge)
            return hit.State;

        var generation = Interlocked.Read(ref _generation);
        var aliveSince = now.UtcDateTime - StaffSession.IdleLifetime;
        var state = await db.StaffSessions.AsNoTracking()
            .Where(s => s.Id == sessionId && s.StaffUserId == staffUserId && s.EndedAt == null && s.LastSeenAt >= aliveSince)
            .Join(db.StaffUsers, s => s.StaffUserId, u => u.Id, (s, u) => new State(u.IsActive, u.Role, u.SecurityStamp))
            .FirstOrDefaultAsync(ct);
        // Store only when no invalidation happened while reading: that read may hold the state from before the change.
        if (!_severalInstances && Interlocked.Read(ref _generation) == generation) _entries[sessionId] = (staffUserId, state, now);
        return state;
    }

    /// <summary>Every session of the user: its stamp, role or active flag changed.</summary>
    public void Invalidate(Guid staffUserId)
    {
        Interlocked.Increment(ref _generation);
        foreach (var (sessionId, entry) in _entries)
            if (entry.UserId == staffUserId) _entries.TryRemove(sessionId, out _);
    }

    /// <summary>One session: it was signed out.</summary>
    public void InvalidateSession(Guid sessionId)
    {
        Interlocked.Increment(ref _generation);
        _entries.TryRemove(sessionId, out _);
    }
}

/// <summary>The dashboard hub connections of each staff user, so that ending a user's sessions closes their live connections too.</summary>
public sealed class StaffConnections
{
    private readonly ConcurrentDictionary<string, (Guid UserId, Guid? SessionId, HubCallerContext Context)> _byConnection = new();

    public void Add(Guid staffUserId, Guid? sessionId, HubCallerContext context) => _byConnection[context.ConnectionId] = (staffUserId, sessionId, context);

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

    /// <summary>The connections of one session (a sign-out in that browser).</summary>
    public int AbortSession(Guid sessionId)
    {
        var aborted = 0;
        foreach (var (id, entry) in _byConnection)
        {
            if (entry.SessionId != sessionId) continue;
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
    public const string SessionClaim = "taproom:session";

    public static Guid? SessionId(ClaimsPrincipal? user) => Guid.TryParse(user?.FindFirstValue(SessionClaim), out var id) ? id : null;

    public static ClaimsPrincipal Principal(Guid id, string login, string name, StaffRole role, string stamp, Guid sessionId) =>
        new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, id.ToString()),
            new Claim(ClaimTypes.Name, name),
            new Claim("login", login),
            new Claim(ClaimTypes.Role, role.ToString()),
            new Claim(StampClaim, stamp),
            new Claim(SessionClaim, sessionId.ToString()),
        ], CookieAuthenticationDefaults.AuthenticationScheme));

    /// <summary>Issues the sign-in cookie of a session for a user with the stamp the database holds now.</summary>
    public static async Task SignInAsync(HttpContext http, StaffUserDto user, Guid sessionId)
    {
        var db = http.RequestServices.GetRequiredService<TapRoomDbContext>();
        var stamp = await db.StaffUsers.AsNoTracking().Where(u => u.Id == user.Id).Select(u => u.SecurityStamp).FirstAsync(http.RequestAborted);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, Principal(user.Id, user.Login, user.Name, user.Role, stamp, sessionId));
    }

    /// <summary>The cookie is renewed (sliding expiry, at most every half lifetime): the session was seen now, so it stays alive.</summary>
    public static async Task RenewAsync(CookieSlidingExpirationContext ctx)
    {
        if (!ctx.ShouldRenew || SessionId(ctx.Principal) is not { } sessionId) return;
        var http = ctx.HttpContext;
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        await http.RequestServices.GetRequiredService<TapRoomDbContext>().StaffSessions
            .Where(s => s.Id == sessionId && s.EndedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.LastSeenAt, now), http.RequestAborted);
    }

    /// <summary>
    /// Every request with a cookie: its session must not have been signed out, the user must still exist, be active, hold
    /// the same role, and the cookie's stamp must be the current one. Anything else ends the session (401 on the next
    /// protected route). A cookie from before sessions (no session id) is refused once: the user signs in again.
    /// </summary>
    public static async Task ValidateAsync(CookieValidatePrincipalContext ctx)
    {
        var principal = ctx.Principal;
        if (!Guid.TryParse(principal?.FindFirstValue(ClaimTypes.NameIdentifier), out var id) || SessionId(principal) is not { } sessionId)
        {
            await RejectAsync(ctx);
            return;
        }
        var http = ctx.HttpContext;
        var state = await http.RequestServices.GetRequiredService<StaffSessionCache>()
            .GetAsync(sessionId, id, http.RequestServices.GetRequiredService<TapRoomDbContext>(), http.RequestAborted);
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
