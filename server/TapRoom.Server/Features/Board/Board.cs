using System.Collections.Concurrent;
using FluentValidation;
using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Board;

/// <summary>
/// A venue's public tap list (PRODUCT.md "The tap list"): built from public fields only (tap number and name, beer,
/// style, ABV, prices per serving, keg level, next keg), never from guests, visits, staff or controllers.
/// </summary>
public static class BoardBuilder
{
    /// <summary>"Running low" under this share of the keg (PRODUCT.md).</summary>
    public const int RunningLowPercent = 15;

    /// <summary>The venue whose board is on, by slug; null for an unknown slug or a board turned off (both a 404).</summary>
    public static Task<Location?> VenueAsync(TapRoomDbContext db, string slug, CancellationToken ct) =>
        db.Locations.AsNoTracking().FirstOrDefaultAsync(l => l.Slug == slug && l.BoardEnabled, ct);

    public static async Task<BoardDto> BuildAsync(TapRoomDbContext db, Location venue, DateTime now, CancellationToken ct)
    {
        var taps = await db.Taps.AsNoTracking().Where(t => t.LocationId == venue.Id).OrderBy(t => t.Number)
            .Select(t => new
            {
                t.Id, t.Number, t.Name, t.Status, t.LastBeerTypeId,
                Keg = t.Keg == null ? null : new { t.Keg.Id, t.Keg.BeerTypeId, t.Keg.NominalVolumeMl, t.Keg.RemainingVolumeMl },
            }).ToListAsync(ct);
        var kegIds = taps.Where(t => t.Keg != null).Select(t => t.Keg!.Id).ToList();
        // What the pours running now have drawn so far, so the level moves while a glass fills.
        var pouring = await db.PourSessions.AsNoTracking()
            .Where(p => kegIds.Contains(p.KegId) && p.SyncStatus == SyncStatus.PendingSync && p.EndedAt == null)
            .GroupBy(p => p.KegId).Select(g => new { KegId = g.Key, Ml = g.Sum(p => p.LastProgressMl) }).ToListAsync(ct);
        var beerIds = taps.Select(t => t.Keg?.BeerTypeId ?? t.LastBeerTypeId).Where(b => b != null).Select(b => b!.Value).Distinct().ToList();
        var beers = await db.BeerTypes.AsNoTracking().Where(b => beerIds.Contains(b.Id)).ToDictionaryAsync(b => b.Id, ct);
        var warehouse = await db.Kegs.AsNoTracking().Where(k => k.Status == KegStatus.Warehouse && k.LocationId == venue.Id && beerIds.Contains(k.BeerTypeId))
            .Select(k => new { k.Id, k.BeerTypeId, k.ReceivedAt, k.CreatedAt }).ToListAsync(ct);
        var prices = await BoardPrices.PricePerLiterAsync(db, venue, beers.Values, ct);

        var list = new List<BoardTapDto>();
        foreach (var t in taps)
        {
            var beerId = t.Keg?.BeerTypeId ?? t.LastBeerTypeId;
            var beer = beerId is { } id && beers.TryGetValue(id, out var b) ? b : null;
            int? percent = null;
            if (t.Keg is { } keg && keg.NominalVolumeMl > 0)
            {
                var left = keg.RemainingVolumeMl - (pouring.FirstOrDefault(p => p.KegId == keg.Id)?.Ml ?? 0);
                percent = (int)Math.Clamp(Math.Floor(left * 100.0 / keg.NominalVolumeMl), 0, 100);
            }
            var status = t.Status switch
            {
                TapStatus.Locked or TapStatus.Cleaning => BoardTapStatus.Closed,
                _ when t.Keg is null || t.Status == TapStatus.OutOfKeg || percent == 0 => BoardTapStatus.Out,
                _ when percent < RunningLowPercent => BoardTapStatus.RunningLow,
                _ => BoardTapStatus.Pouring,
            };
            var next = warehouse.Where(k => k.BeerTypeId == beerId).OrderBy(k => k.ReceivedAt ?? k.CreatedAt).ThenBy(k => k.CreatedAt)
                .ThenBy(k => k.Id.ToString("D"), StringComparer.Ordinal).FirstOrDefault();
            var servings = beer is not null && prices.TryGetValue(beer.Id, out var perLiter) && status != BoardTapStatus.Out
                ? venue.ServingSizesMl.Select(ml => new BoardPriceDto(ml, Money.PriceOf(perLiter, ml))).ToList()
                : [];
            list.Add(new BoardTapDto(t.Number, t.Name, beer?.Name, beer?.Style, beer?.Abv, servings, percent, status,
                next is not null && beer is not null ? new BoardNextUpDto(beer.Name, beer.Style, beer.Abv) : null));
        }
        return new BoardDto(venue.Name, venue.Slug, "metric", venue.Currency, list, now);
    }
}

/// <summary>
/// The one place the board asks what a beer costs at a venue: per litre, for now the catalogue price. Per-venue prices
/// (issue 25) answer here, and nowhere else on the board.
/// </summary>
public static class BoardPrices
{
    public static async Task<IReadOnlyDictionary<Guid, decimal>> PricePerLiterAsync(TapRoomDbContext db, Location venue, IEnumerable<BeerType> beers, CancellationToken ct)
    {
        // The venue's own price where it sets one (BeerTypes.VenuePrices), else the catalogue's.
        var ids = beers.Select(b => b.Id).ToList();
        var own = await db.LocationPrices.AsNoTracking().Where(p => p.LocationId == venue.Id && ids.Contains(p.BeerTypeId))
            .ToDictionaryAsync(p => p.BeerTypeId, p => p.PricePerLiter, ct);
        return beers.ToDictionary(b => b.Id, b => own.TryGetValue(b.Id, out var price) ? price : b.PricePerLiter);
    }
}

public static class GetBoard
{
    public sealed record Query(string Slug) : IQuery<BoardDto>;

    public sealed class Handler(TapRoomDbContext db, TimeProvider time) : IRequestHandler<Query, BoardDto>
    {
        public async Task<BoardDto> Handle(Query request, CancellationToken ct)
        {
            var venue = await BoardBuilder.VenueAsync(db, request.Slug, ct) ?? throw new NotFoundException("Board", request.Slug);
            return await BoardBuilder.BuildAsync(db, venue, time.GetUtcNow().UtcDateTime, ct);
        }
    }
}

/// <summary>A manager turns the venue's board on or off and sets the servings it prices (folded into PUT /api/locations/{id} later).</summary>
public static class UpdateBoardSettings
{
    public sealed record Body(bool BoardEnabled, IReadOnlyList<int>? ServingSizesMl);

    public sealed record Command(Guid LocationId, bool BoardEnabled, IReadOnlyList<int>? ServingSizesMl) : ICommand<LocationDto>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("location", LocationId);
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(x => x.ServingSizesMl)
            .Must(s => s is null || (s.Count is >= 1 and <= 4 && s.All(ml => ml is >= 50 and <= 2000) && s.Distinct().Count() == s.Count))
            .WithMessage("'servingSizesMl' is one to four different sizes, each 50 to 2000 ml.");
    }

    public sealed class Handler(TapRoomDbContext db, AuditTrail audit, BoardPushQueue board) : IRequestHandler<Command, LocationDto>
    {
        public async Task<LocationDto> Handle(Command request, CancellationToken ct)
        {
            // Venue membership (issue 25) is checked here, the one place this route asks.
            var venue = await db.Locations.FirstOrDefaultAsync(l => l.Id == request.LocationId, ct) ?? throw new NotFoundException("Location", request.LocationId);
            var from = new { venue.BoardEnabled, servingSizesMl = venue.ServingSizesMl.ToList() };
            venue.BoardEnabled = request.BoardEnabled;
            if (request.ServingSizesMl is { } sizes) venue.ServingSizesMl = sizes.Order().ToList();
            audit.Record(AuditActions.BoardSettingsChanged, "location", venue.Id, new { from, to = new { venue.BoardEnabled, servingSizesMl = venue.ServingSizesMl } });
            board.Schedule(venue.Id);
            return Locations.GetLocation.ToDto(venue);
        }
    }
}

/// <summary>
/// Board pages listen here, with no sign-in (<c>/hubs/board?slug=</c>): they can invoke nothing, and hear only
/// <c>BoardUpdated</c> of their venue. An unknown slug or a board turned off is refused at connect.
/// </summary>
[AllowAnonymous]
public sealed class BoardHub(TapRoomDbContext db) : Hub<IBoardClient>
{
    public static string GroupFor(Guid locationId) => $"board:{locationId}";

    public override async Task OnConnectedAsync()
    {
        var slug = Context.GetHttpContext()?.Request.Query["slug"].ToString() ?? "";
        var venue = await BoardBuilder.VenueAsync(db, slug, Context.ConnectionAborted) ?? throw new HubException("No board here.");
        await Groups.AddToGroupAsync(Context.ConnectionId, GroupFor(venue.Id));
        await base.OnConnectedAsync();
    }
}

/// <summary>
/// Pushes a venue's board after a change, at most once a second per venue (so at most once a tap a second): a burst
/// of changes (pour progress every 250 ms) becomes one push with the latest state. Paced by the wall clock, since it
/// paces what screens show, not what the venue's time says.
/// </summary>
public sealed class BoardPushQueue(IServiceScopeFactory scopes, IHubContext<BoardHub, IBoardClient> hub, ILogger<BoardPushQueue> log)
{
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(100);
    private readonly ConcurrentDictionary<Guid, byte> _pending = new();
    private readonly ConcurrentDictionary<Guid, DateTime> _last = new();
    private readonly ConcurrentDictionary<Guid, Guid> _tapVenues = new();
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _gates = new();

    /// <summary>The venue of a tap, remembered (a tap does not change venue).</summary>
    public async Task<Guid?> VenueOfTapAsync(TapRoomDbContext db, Guid tapId, CancellationToken ct)
    {
        if (_tapVenues.TryGetValue(tapId, out var known)) return known;
        var found = await db.Taps.AsNoTracking().Where(t => t.Id == tapId).Select(t => (Guid?)t.LocationId).FirstOrDefaultAsync(ct);
        if (found is { } id) _tapVenues[tapId] = id;
        return found;
    }

    public void Schedule(Guid locationId)
    {
        if (!_pending.TryAdd(locationId, 0)) return;
        _ = Task.Run(async () =>
        {
            // One push of a venue at a time, each a second after the previous one went out (however long it took to build).
            var gate = _gates.GetOrAdd(locationId, _ => new SemaphoreSlim(1, 1));
            await gate.WaitAsync();
            try
            {
                var wait = _last.GetValueOrDefault(locationId) + MinInterval - DateTime.UtcNow;
                await Task.Delay(wait > Gather ? wait : Gather);
                _pending.TryRemove(locationId, out _);
                using var scope = scopes.CreateScope();
                var db = scope.ServiceProvider.GetRequiredService<TapRoomDbContext>();
                var venue = await db.Locations.AsNoTracking().FirstOrDefaultAsync(l => l.Id == locationId);
                if (venue is null || !venue.BoardEnabled) return;
                var now = scope.ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
                await hub.Clients.Group(BoardHub.GroupFor(locationId)).BoardUpdated(await BoardBuilder.BuildAsync(db, venue, now, CancellationToken.None));
                _last[locationId] = DateTime.UtcNow;
            }
            catch (Exception ex)
            {
                _pending.TryRemove(locationId, out _);
                log.LogWarning(ex, "Board push for venue {LocationId} failed", locationId);
            }
            finally
            {
                gate.Release();
            }
        });
    }

    public async Task ScheduleAllAsync(TapRoomDbContext db, CancellationToken ct)
    {
        foreach (var id in await db.Locations.AsNoTracking().Where(l => l.BoardEnabled).Select(l => l.Id).ToListAsync(ct)) Schedule(id);
    }
}

/// <summary>Changes that a board shows: a tap, a keg (its level, a next keg in the warehouse), a pour running.</summary>
public sealed class BoardPushes(BoardPushQueue queue, TapRoomDbContext db)
    : INotificationHandler<TapChangedNotification>,
      INotificationHandler<TapStatusChangedNotification>,
      INotificationHandler<KegChangedNotification>,
      INotificationHandler<PourProgressNotification>
{
    public Task Handle(TapChangedNotification n, CancellationToken ct) => TapAsync(n.TapId, ct);

    public Task Handle(TapStatusChangedNotification n, CancellationToken ct) => TapAsync(n.TapId, ct);

    public Task Handle(PourProgressNotification n, CancellationToken ct) => TapAsync(n.TapId, ct);

    public async Task Handle(KegChangedNotification n, CancellationToken ct)
    {
        var tapId = await db.Kegs.AsNoTracking().Where(k => k.Id == n.KegId).Select(k => k.TapId).FirstOrDefaultAsync(ct);
        // A keg on no tap may be a tap's next keg anywhere (kegs belong to no venue yet).
        if (tapId is { } id) await TapAsync(id, ct);
        else await queue.ScheduleAllAsync(db, ct);
    }

    private async Task TapAsync(Guid tapId, CancellationToken ct)
    {
        if (await queue.VenueOfTapAsync(db, tapId, ct) is { } venue) queue.Schedule(venue);
    }
}

public static class BoardEndpoints
{
    public static IEndpointRouteBuilder MapBoardEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/board/{slug}", async (string slug, IMediator m) => TypedResults.Ok(await m.Send(new GetBoard.Query(slug))))
            .WithTags("Board").AllowAnonymous();
        app.MapPut("/api/locations/{id:guid}/board", async (Guid id, UpdateBoardSettings.Body body, IMediator m) =>
                TypedResults.Ok(await m.Send(new UpdateBoardSettings.Command(id, body.BoardEnabled, body.ServingSizesMl))))
            .WithTags("Board").RequireAuthorization(Policies.Manager).WithVenueOf(VenueKind.Location);
        // The page: the web app for a board that is on, the web app with a 404 for one that is not (it says so).
        app.MapGet("/board/{slug}", async (string slug, HttpContext http, TapRoomDbContext db, IWebHostEnvironment env) =>
        {
            var index = env.WebRootFileProvider.GetFileInfo("index.html");
            var on = await BoardBuilder.VenueAsync(db, slug, http.RequestAborted) is not null;
            http.Response.StatusCode = on ? StatusCodes.Status200OK : StatusCodes.Status404NotFound;
            if (!index.Exists) return;
            http.Response.ContentType = "text/html; charset=utf-8";
            http.Response.Headers.CacheControl = "no-cache";
            await http.Response.SendFileAsync(index);
        }).AllowAnonymous().ExcludeFromDescription();
        app.MapHub<BoardHub>(BoardRoutes.Hub);
        return app;
    }
}
