using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.HubClient;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Controllers;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Pours;

public sealed record TapRig(Guid TapId, Guid KegId, Guid BeerTypeId, string Name);

public sealed record ControllerRig(Guid Id, string ApiKey);

public sealed record GuestRig(Guid GuestId, Guid CardId, string CardUid, Guid VisitId);

/// <summary>
/// Arranges what the pour lifecycle needs (beers, kegs on taps, controllers, guests with visits and money, a shift)
/// directly in the real database of a real host, and connects real controller WebSockets.
/// </summary>
public sealed class PourWorld : IAsyncDisposable
{
    private int _tapNumber;
    private readonly List<IAsyncDisposable> _clients = [];

    public TapRoomHost Host { get; }
    public Guid LocationId { get; private set; }

    private PourWorld(TapRoomHost host) => Host = host;

    public static async Task<PourWorld> StartAsync(bool openShift = true, Action<WebApplicationBuilder>? configure = null)
    {
        var world = new PourWorld(await TapRoomHost.StartAsync(configure: configure));
        world.LocationId = await world.Host.DbAsync(db => db.Locations.Select(l => l.Id).FirstAsync());
        if (openShift) await world.OpenShiftAsync();
        return world;
    }

    public DateTime Now => Host.Time.GetUtcNow().UtcDateTime;

    public Task OpenShiftAsync() => Host.DbAsync(async db =>
    {
        db.Shifts.Add(new Shift { Id = Guid.NewGuid(), LocationId = LocationId, Status = ShiftStatus.Open, OpenedAt = Now, OpenedBy = "test" });
        await db.SaveChangesAsync();
    });

    /// <summary>A second (third, …) venue of the chain, with its default policies.</summary>
    public async Task<Guid> VenueAsync(string name)
    {
        var id = Guid.NewGuid();
        await Host.DbAsync(async db =>
        {
            db.Locations.Add(new Location { Id = id, Name = name, Slug = Location.SlugFrom(name) + "-" + id.ToString("N")[..6], Currency = "EUR", TimeZone = "Europe/Berlin", CreatedAt = Now });
            db.Shifts.Add(new Shift { Id = Guid.NewGuid(), LocationId = id, Status = ShiftStatus.Open, OpenedAt = Now, OpenedBy = "test" });
            await db.SaveChangesAsync();
        });
        return id;
    }

    public async Task<TapRig> TapAsync(decimal pricePerLiter = 5m, decimal abv = 5m, int kegMl = 20_000, int? remainingMl = null,
        TapStatus status = TapStatus.Active, bool withKeg = true, Guid? locationId = null, Guid? beerTypeId = null)
    {
        var venue = locationId ?? LocationId;
        var number = Interlocked.Increment(ref _tapNumber);
        var rig = new TapRig(Guid.NewGuid(), Guid.NewGuid(), beerTypeId ?? Guid.NewGuid(), $"Tap {number}");
        await Host.DbAsync(async db =>
        {
            if (beerTypeId is null) db.BeerTypes.Add(new BeerType { Id = rig.BeerTypeId, Name = $"Beer {number}", Abv = abv, PricePerLiter = pricePerLiter, CreatedAt = Now });
            db.Taps.Add(new Tap { Id = rig.TapId, LocationId = venue, Number = number, Name = rig.Name, Status = status, CreatedAt = Now });
            await db.SaveChangesAsync();
            if (withKeg)
            {
                db.Kegs.Add(new Keg
                {
                    Id = rig.KegId, LocationId = venue, BeerTypeId = rig.BeerTypeId, NominalVolumeMl = kegMl, RemainingVolumeMl = remainingMl ?? kegMl,
                    ChargedMl = kegMl - (remainingMl ?? kegMl), // as earlier pours left it: the parts add up
                    Status = KegStatus.Connected, TapId = rig.TapId, ReceivedAt = Now, ConnectedAt = Now, CreatedAt = Now,
                });
                await db.SaveChangesAsync();
                var tap = await db.Taps.FirstAsync(t => t.Id == rig.TapId);
                tap.KegId = rig.KegId;
                tap.LastBeerTypeId = rig.BeerTypeId;
                await db.SaveChangesAsync();
            }
        });
        return rig;
    }

    public async Task<ControllerRig> ControllerAsync(params Guid[] tapIds)
    {
        var r = await Host.SendAsync(new RegisterController.Command($"pi-{Guid.NewGuid():N}"[..12], tapIds));
        return new ControllerRig(r.Id, r.ApiKey);
    }

    /// <summary>A connected controller client (real WebSocket) that has said Hello.</summary>
    public async Task<ControllerHubClient> ConnectAsync(ControllerRig controller, int pendingSyncCount = 0)
    {
        var client = new ControllerHubClient(Host.BaseAddress, controller.ApiKey).WithEvents();
        _clients.Add(client);
        await client.StartAsync();
        await client.Hello(new HelloRequest("test-1.0", pendingSyncCount));
        return client;
    }

    public async Task<(TapRig Tap, ControllerRig Controller, ControllerHubClient Client)> TapWithControllerAsync(decimal pricePerLiter = 5m, decimal abv = 5m,
        int kegMl = 20_000, int? remainingMl = null, TapStatus status = TapStatus.Active, bool withKeg = true, Guid? locationId = null, Guid? beerTypeId = null)
    {
        // processing_sync is what a controller's Hello with unsynced pours makes of an active tap (a Hello with none
        // would set it back), so arrange it that way.
        var syncing = status == TapStatus.ProcessingSync;
        var tap = await TapAsync(pricePerLiter, abv, kegMl, remainingMl, syncing ? TapStatus.Active : status, withKeg, locationId, beerTypeId);
        var controller = await ControllerAsync(tap.TapId);
        return (tap, controller, await ConnectAsync(controller, pendingSyncCount: syncing ? 1 : 0));
    }

    public async Task<GuestRig> GuestAsync(decimal balance = 50m, bool minor = false, int volumeLimitMl = 2000, int pouredMl = 0,
        CardStatus cardStatus = CardStatus.Active, GuestStatus guestStatus = GuestStatus.Active, bool withVisit = true, Guid? locationId = null)
    {
        var uid = Convert.ToHexString(Guid.NewGuid().ToByteArray()[..7]);
        var rig = new GuestRig(Guid.NewGuid(), Guid.NewGuid(), uid, Guid.NewGuid());
        await Host.DbAsync(async db =>
        {
            db.Guests.Add(new Guest { Id = rig.GuestId, Name = $"Guest {uid[..4]}", DateOfBirth = new DateOnly(minor ? 2012 : 1990, 1, 1), Status = guestStatus, CreatedAt = Now });
            db.Cards.Add(new Card { Id = rig.CardId, Uid = uid, GuestId = rig.GuestId, Status = cardStatus, CreatedAt = Now });
            await db.SaveChangesAsync();
            if (withVisit)
            {
                var visit = new Visit
                {
                    Id = rig.VisitId, LocationId = locationId ?? LocationId, GuestId = rig.GuestId, CardId = rig.CardId, IsMinor = minor, OpenedAt = Now,
                    OpenedBy = "test", VolumeLimitMl = volumeLimitMl, PouredVolumeMl = pouredMl,
                };
                db.Visits.Add(visit);
                if (balance != 0)
                    db.Ledger.Add(visit.Book(new LedgerEntry { Id = Guid.NewGuid(), VisitId = rig.VisitId, Kind = LedgerKind.TopUp, Amount = balance, Actor = "test", At = Now }));
                await db.SaveChangesAsync();
            }
        });
        return rig;
    }

    public static AuthorizeRequest Present(TapRig tap, GuestRig guest) => new(tap.TapId, guest.CardUid, Guid.NewGuid());

    public static CompletePourRequest Completion(Guid sessionId, TapRig tap, int volumeMl) =>
        new(sessionId, tap.TapId, volumeMl, new DateTime(2026, 11, 21, 18, 0, 0, DateTimeKind.Utc), new DateTime(2026, 11, 21, 18, 0, 10, DateTimeKind.Utc));

    /// <summary>Everything the money and volume rules are about, to compare before and after.</summary>
    public Task<string> SnapshotAsync() => Host.DbAsync(async db =>
    {
        var ledger = (await db.Ledger.AsNoTracking().OrderBy(e => e.Id).Select(e => new { e.Id, e.Amount, e.Kind }).ToListAsync()).Select(e => $"{e.Id}:{e.Amount}:{e.Kind}");
        var kegs = await db.Kegs.AsNoTracking().OrderBy(k => k.Id).Select(k => k.Id + ":" + k.RemainingVolumeMl).ToListAsync();
        var visits = await db.Visits.AsNoTracking().OrderBy(v => v.Id).Select(v => v.Id + ":" + v.ActiveTapId + ":" + v.PouredVolumeMl).ToListAsync();
        var taps = (await db.Taps.AsNoTracking().OrderBy(t => t.Id).Select(t => new { t.Id, t.Status }).ToListAsync()).Select(t => $"{t.Id}:{t.Status}");
        var pours = (await db.PourSessions.AsNoTracking().OrderBy(p => p.Id).Select(p => new { p.Id, p.SyncStatus, p.VolumeMl, p.ChargedAmount, p.LastProgressMl }).ToListAsync())
            .Select(p => $"{p.Id}:{p.SyncStatus}:{p.VolumeMl}:{p.ChargedAmount}:{p.LastProgressMl}");
        var outbox = await db.PosOutbox.AsNoTracking().CountAsync();
        return string.Join("|", ledger.Concat(kegs).Concat(visits).Concat(taps).Concat(pours).Append($"outbox:{outbox}"));
    });

    public Task<T> DbAsync<T>(Func<Data.TapRoomDbContext, Task<T>> work) => Host.DbAsync(work);

    /// <summary>Polls until the condition holds (pushes arrive asynchronously); fails after the deadline.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what, int timeoutMs = 5000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Timed out waiting for: {what}");
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var c in _clients)
        {
            try { await c.DisposeAsync(); } catch (ObjectDisposedException) { }
        }
        await Host.DisposeAsync();
    }
}

/// <summary>Records the notifications the server publishes after its commits (what the dashboard hub will push).</summary>
public sealed class NotificationRecorder
{
    public System.Collections.Concurrent.ConcurrentQueue<object> Seen { get; } = new();

    public static void AddTo(WebApplicationBuilder builder, NotificationRecorder recorder)
    {
        builder.Services.AddSingleton(recorder);
        builder.Services.AddScoped<MediatR.INotificationHandler<Features.PourProgressNotification>, Handler<Features.PourProgressNotification>>();
        builder.Services.AddScoped<MediatR.INotificationHandler<Features.CardReadNotification>, Handler<Features.CardReadNotification>>();
        builder.Services.AddScoped<MediatR.INotificationHandler<Features.CardRemovedNotification>, Handler<Features.CardRemovedNotification>>();
    }

    private sealed class Handler<T>(NotificationRecorder recorder) : MediatR.INotificationHandler<T> where T : MediatR.INotification
    {
        public Task Handle(T notification, CancellationToken cancellationToken)
        {
            recorder.Seen.Enqueue(notification);
            return Task.CompletedTask;
        }
    }
}

public sealed class PourWorldFixture : IAsyncLifetime
{
    public PourWorld World { get; private set; } = null!;

    public async Task InitializeAsync() => World = await PourWorld.StartAsync();

    public async Task DisposeAsync() => await World.DisposeAsync();
}
