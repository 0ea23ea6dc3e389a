using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Controllers;
using TapRoom.Server.Features.Pos;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Demo;

/// <summary>
/// <c>--demo</c>: a small chain to look at. "Taproom Mitte" (the first venue) has four taps on one controller, "Taproom
/// Hafen" two taps on a second; each has beers on tap and in its warehouse, its own staff and manager, guests with open
/// visits and money on them, and an open shift. Hafen sells its Helles at its own price. Seeded once; on every start each
/// demo controller gets a fresh API key that only the in-process simulated taps know.
/// </summary>
public static class DemoSeeder
{
    public const string StaffLogin = "staff";
    public const string ManagerLogin = "manager";
    public const string HafenStaffLogin = "hafen-staff";
    public const string HafenManagerLogin = "hafen-manager";
    public const string DemoPassword = "taproom-demo";
    public const string ControllerName = "demo-bar";
    public const string HafenControllerName = "demo-hafen";

    public static readonly string[] GuestCardUids = ["04A1B2C3", "04D4E5F6", "04112233445566", "04998877"];
    public static readonly string[] HafenCardUids = ["04C0FFEE", "04BEEF01"];

    public sealed record DemoController(Guid ControllerId, string ApiKey, IReadOnlyList<Guid> TapIds, IReadOnlyList<string> CardUids, Guid LocationId, string VenueName);

    /// <summary>What a demo venue is made of.</summary>
    private sealed record VenuePlan(
        string Name, string Slug, string ControllerName, (string Login, string Name, StaffRole Role)[] Staff, string ManagerLogin,
        int[] Remaining, string[] Beers, (string Name, DateOnly Born)[] Guests, string[] CardUids, decimal FirstTopUp);

    private static readonly VenuePlan Mitte = new("Taproom Mitte", "mitte", ControllerName,
        [(StaffLogin, "Sam Staff", StaffRole.Staff), (ManagerLogin, "Mia Manager", StaffRole.Manager)], ManagerLogin,
        [38_000, 21_500, 6_200, 14_000], ["Helles", "Hazy IPA", "Dry Stout", "Zero Pils"],
        [("Alex Morgan", new DateOnly(1990, 4, 12)), ("Jamie Lee", new DateOnly(1985, 11, 3)), ("Robin Fischer", new DateOnly(1998, 7, 21)), ("Kim Novak", new DateOnly(1979, 1, 30))],
        GuestCardUids, 40m);

    private static readonly VenuePlan Hafen = new("Taproom Hafen", "hafen", HafenControllerName,
        [(HafenStaffLogin, "Hanna Hafen", StaffRole.Staff), (HafenManagerLogin, "Henrik Hafen", StaffRole.Manager)], HafenManagerLogin,
        [27_000, 44_000], ["Helles", "Dry Stout"],
        [("Ole Jensen", new DateOnly(1988, 2, 14)), ("Mara Wulf", new DateOnly(1993, 9, 8))],
        HafenCardUids, 35m);

    /// <summary>Hafen's own price for its Helles (the catalogue's is 9.00 a litre).</summary>
    public const decimal HafenHellesPricePerLiter = 9.80m;

    public static async Task<IReadOnlyList<DemoController>> SeedAsync(IServiceProvider services, CancellationToken ct = default)
    {
        using var scope = services.CreateScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<TapRoomDbContext>();
        var audit = sp.GetRequiredService<AuditTrail>();
        var hasher = sp.GetRequiredService<HashingPasswordHasher>();
        var pos = sp.GetRequiredService<PosOutboxWriter>();
        var now = sp.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var beers = await CatalogueAsync(db, audit, now, ct);
        var first = await db.Locations.OrderBy(l => l.CreatedAt).FirstAsync(ct);
        if (first is { Name: "TapRoom", Slug: "taproom" })
        {
            // The fresh server's default venue becomes the demo's first one.
            (first.Name, first.Slug) = (Mitte.Name, Mitte.Slug);
            audit.Record(AuditActions.LocationCreated, "location", first.Id, new { first.Name, first.Slug, demo = true, renamed = true });
        }
        var hafen = await db.Locations.FirstOrDefaultAsync(l => l.Slug == Hafen.Slug, ct);
        if (hafen is null)
        {
            hafen = new Location
            {
                Id = Guid.NewGuid(), Name = Hafen.Name, Slug = Hafen.Slug, Currency = first.Currency, TimeZone = first.TimeZone,
                CreatedAt = now, EquipmentChecklist = [.. DefaultEquipmentChecklist.Items],
            };
            db.Locations.Add(hafen);
            audit.Record(AuditActions.LocationCreated, "location", hafen.Id, new { hafen.Name, hafen.Slug, demo = true });
            var helles = beers.Single(b => b.Name == "Helles");
            db.LocationPrices.Add(new LocationPrice { LocationId = hafen.Id, BeerTypeId = helles.Id, PricePerLiter = HafenHellesPricePerLiter, UpdatedAt = now });
            audit.Record(AuditActions.BeerTypeVenuePriceChanged, "beer_type", helles.Id, new { locationId = hafen.Id, to = HafenHellesPricePerLiter, demo = true });
        }
        await db.SaveChangesAsync(ct);

        var result = new List<DemoController>();
        foreach (var (plan, venue) in new[] { (Mitte, first), (Hafen, hafen) })
            result.Add(await SeedVenueAsync(db, audit, hasher, pos, plan, venue, beers, now, ct));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return result;
    }

    private static async Task<List<BeerType>> CatalogueAsync(TapRoomDbContext db, AuditTrail audit, DateTime now, CancellationToken ct)
    {
        var beers = new[]
        {
            new BeerType { Id = Guid.NewGuid(), Name = "Helles", Style = "Lager", Abv = 4.9m, PricePerLiter = 9.00m, CreatedAt = now },
            new BeerType { Id = Guid.NewGuid(), Name = "Hazy IPA", Style = "IPA", Abv = 6.5m, PricePerLiter = 13.50m, CreatedAt = now },
            new BeerType { Id = Guid.NewGuid(), Name = "Dry Stout", Style = "Stout", Abv = 4.2m, PricePerLiter = 11.00m, CreatedAt = now },
            new BeerType { Id = Guid.NewGuid(), Name = "Zero Pils", Style = "Non-alcoholic", Abv = 0.4m, PricePerLiter = 6.00m, CreatedAt = now },
        };
        var result = new List<BeerType>();
        foreach (var beer in beers)
        {
            var existing = await db.BeerTypes.FirstOrDefaultAsync(b => b.Name == beer.Name, ct);
            if (existing is not null) { result.Add(existing); continue; }
            db.BeerTypes.Add(beer);
            audit.Record(AuditActions.BeerTypeCreated, "beer_type", beer.Id, new { beer.Name, beer.PricePerLiter, demo = true });
            result.Add(beer);
        }
        return result;
    }

    private static async Task<DemoController> SeedVenueAsync(TapRoomDbContext db, AuditTrail audit, HashingPasswordHasher hasher, PosOutboxWriter pos,
        VenuePlan plan, Location location, List<BeerType> catalogue, DateTime now, CancellationToken ct)
    {
        var controller = await db.Controllers.Include(c => c.Taps).FirstOrDefaultAsync(c => c.Name == plan.ControllerName, ct);
        var apiKey = RegisterController.NewApiKey();
        if (controller is not null)
        {
            controller.ApiKeyHash = ControllerKeyHandler.Hash(apiKey);
            controller.ApiKeyPrefix = apiKey[..8];
            controller.RevokedAt = null;
            audit.Record(AuditActions.ControllerRegistered, "controller", controller.Id, new { reason = "demo key rotated at start" });
            // A manager may have closed the shift (and the visits) last time: a new night starts with a new shift
            // and new visits for the demo guests, so the bar pours again.
            await EnsureOpenShiftAsync(db, audit, plan, location, now, ct);
            await EnsureGuestVisitsAsync(db, audit, pos, plan, location, now, ct);
            return new DemoController(controller.Id, apiKey, controller.Taps.OrderBy(t => t.Number).Select(t => t.Id).ToList(), plan.CardUids, location.Id, location.Name);
        }

        foreach (var (login, name, role) in plan.Staff)
        {
            if (await db.StaffUsers.AnyAsync(u => u.Login == login, ct)) continue;
            var user = new StaffUser { Id = Guid.NewGuid(), Login = login, Name = name, Role = role, PasswordHash = hasher.Hash(DemoPassword), CreatedAt = now };
            user.Locations.Add(new StaffLocation { StaffUserId = user.Id, LocationId = location.Id });
            db.StaffUsers.Add(user);
            audit.Record("staff_user.created", "staff_user", user.Id, new { login, role, locationIds = new[] { location.Id }, demo = true });
        }

        controller = new Controller
        {
            Id = Guid.NewGuid(), LocationId = location.Id, Name = plan.ControllerName, ApiKeyHash = ControllerKeyHandler.Hash(apiKey),
            ApiKeyPrefix = apiKey[..8], CreatedAt = now,
        };
        db.Controllers.Add(controller);
        audit.Record(AuditActions.ControllerRegistered, "controller", controller.Id, new { controller.Name, demo = true });

        var taps = new List<Tap>();
        for (var i = 0; i < plan.Beers.Length; i++)
        {
            var beer = catalogue.Single(b => b.Name == plan.Beers[i]);
            var tap = new Tap
            {
                Id = Guid.NewGuid(), LocationId = location.Id, Number = i + 1, Name = $"Tap {i + 1}", Status = TapStatus.Active,
                ControllerId = controller.Id, LastBeerTypeId = beer.Id, CreatedAt = now,
            };
            var keg = new Keg
            {
                Id = Guid.NewGuid(), LocationId = location.Id, BeerTypeId = beer.Id, NominalVolumeMl = 50_000, RemainingVolumeMl = plan.Remaining[i],
                // What the demo's earlier evening poured: charged, bar a little foam, so the yield report has something to show.
                ChargedMl = (50_000 - plan.Remaining[i]) * 95 / 100, FoamMl = (50_000 - plan.Remaining[i]) - (50_000 - plan.Remaining[i]) * 95 / 100, Cost = 110m + 10m * i,
                Status = KegStatus.Connected, ReceivedAt = now.AddDays(-10 + i), ConnectedAt = now.AddHours(-3), TapId = tap.Id, CreatedAt = now.AddDays(-10 + i),
            };
            tap.KegId = keg.Id;
            db.Kegs.Add(keg);
            db.Taps.Add(tap);
            taps.Add(tap);
            audit.Record(AuditActions.TapCreated, "tap", tap.Id, new { tap.Name, demo = true });
            audit.Record(AuditActions.KegConnected, "keg", keg.Id, new { tapId = tap.Id, demo = true });
            for (var w = 0; w < 2; w++)
            {
                var spare = new Keg
                {
                    Id = Guid.NewGuid(), LocationId = location.Id, BeerTypeId = beer.Id, NominalVolumeMl = w == 0 ? 50_000 : 30_000,
                    RemainingVolumeMl = w == 0 ? 50_000 : 30_000, Status = KegStatus.Warehouse, ReceivedAt = now.AddDays(-7 + w * 3), CreatedAt = now.AddDays(-7 + w * 3),
                };
                db.Kegs.Add(spare);
                audit.Record(AuditActions.KegReceived, "keg", spare.Id, new { demo = true });
            }
        }

        for (var i = 0; i < plan.Guests.Length; i++)
        {
            var guest = new Guest { Id = Guid.NewGuid(), Name = plan.Guests[i].Name, DateOfBirth = plan.Guests[i].Born, CreatedAt = now };
            var card = new Card { Id = Guid.NewGuid(), Uid = plan.CardUids[i], GuestId = guest.Id, Status = CardStatus.Active, CreatedAt = now };
            var visit = new Visit
            {
                Id = Guid.NewGuid(), LocationId = location.Id, GuestId = guest.Id, CardId = card.Id, OpenedAt = now.AddMinutes(-30 * (i + 1)),
                OpenedBy = "demo", VolumeLimitMl = location.Policies.VisitVolumeLimitMl * 2,
            };
            var topUp = new LedgerEntry { Id = Guid.NewGuid(), VisitId = visit.Id, Kind = LedgerKind.TopUp, Amount = plan.FirstTopUp + 10m * i, Actor = "demo", At = visit.OpenedAt };
            db.Guests.Add(guest);
            db.Cards.Add(card);
            db.Visits.Add(visit);
            db.Ledger.Add(visit.Book(topUp));
            pos.Enqueue(PosOutboxKind.TopUp, visit.LocationId, visit.Id, topUp, new { visitId = visit.Id, amount = topUp.Amount, demo = true });
            audit.Record(AuditActions.GuestCreated, "guest", guest.Id, new { guest.Name, demo = true });
            audit.Record(AuditActions.VisitOpened, "visit", visit.Id, new { guestId = guest.Id, cardUid = card.Uid, demo = true });
            audit.Record(AuditActions.VisitToppedUp, "visit", visit.Id, new { amount = topUp.Amount, demo = true });
        }

        await db.SaveChangesAsync(ct);
        await EnsureOpenShiftAsync(db, audit, plan, location, now, ct);
        return new DemoController(controller.Id, apiKey, taps.Select(t => t.Id).ToList(), plan.CardUids, location.Id, location.Name);
    }

    private static async Task EnsureOpenShiftAsync(TapRoomDbContext db, AuditTrail audit, VenuePlan plan, Location location, DateTime now, CancellationToken ct)
    {
        if (await db.Shifts.AnyAsync(s => s.Status == ShiftStatus.Open && s.LocationId == location.Id, ct)) return;
        var manager = db.StaffUsers.Local.FirstOrDefault(u => u.Login == plan.ManagerLogin) ?? await db.StaffUsers.FirstAsync(u => u.Login == plan.ManagerLogin, ct);
        var openedAt = await db.Shifts.AnyAsync(s => s.LocationId == location.Id, ct) ? now : now.AddHours(-1);
        var shift = new Shift { Id = Guid.NewGuid(), LocationId = location.Id, OpenedAt = openedAt, OpenedBy = manager.Name };
        shift.Members.Add(new ShiftMember { Id = Guid.NewGuid(), ShiftId = shift.Id, StaffUserId = manager.Id, Role = StaffRole.Manager, JoinedAt = shift.OpenedAt });
        db.Shifts.Add(shift);
        audit.Record(AuditActions.ShiftOpened, "shift", shift.Id, new { demo = true });
    }

    /// <summary>Every demo guest of the venue whose visit was closed gets a new visit on their card, with money on it.</summary>
    private static async Task EnsureGuestVisitsAsync(TapRoomDbContext db, AuditTrail audit, PosOutboxWriter pos, VenuePlan plan, Location location, DateTime now, CancellationToken ct)
    {
        foreach (var uid in plan.CardUids)
        {
            var card = await db.Cards.FirstOrDefaultAsync(c => c.Uid == uid, ct);
            if (card is null || card.Status == CardStatus.Lost) continue;
            if (await db.Visits.AnyAsync(v => v.CardId == card.Id && v.Status == VisitStatus.Active, ct)) continue;
            var guest = await db.Guests.FirstOrDefaultAsync(g => g.Id == card.GuestId, ct)
                ?? await db.Visits.Where(v => v.CardId == card.Id).OrderByDescending(v => v.OpenedAt).Select(v => v.Guest).FirstOrDefaultAsync(ct);
            if (guest is null || await db.Visits.AnyAsync(v => v.GuestId == guest.Id && v.LocationId == location.Id && v.Status == VisitStatus.Active, ct)) continue;
            card.Status = CardStatus.Active;
            card.GuestId = guest.Id;
            var visit = new Visit
            {
                Id = Guid.NewGuid(), LocationId = location.Id, GuestId = guest.Id, CardId = card.Id, OpenedAt = now,
                OpenedBy = "demo", VolumeLimitMl = location.Policies.VisitVolumeLimitMl * 2,
            };
            var topUp = new LedgerEntry { Id = Guid.NewGuid(), VisitId = visit.Id, Kind = LedgerKind.TopUp, Amount = 40m, Actor = "demo", At = now, PaymentMethod = PaymentMethod.Cash };
            db.Visits.Add(visit);
            db.Ledger.Add(visit.Book(topUp));
            pos.Enqueue(PosOutboxKind.TopUp, visit.LocationId, visit.Id, topUp, new { visitId = visit.Id, amount = topUp.Amount, paymentMethod = topUp.PaymentMethod, demo = true });
            audit.Record(AuditActions.VisitOpened, "visit", visit.Id, new { guestId = guest.Id, cardUid = card.Uid, demo = true });
            audit.Record(AuditActions.VisitToppedUp, "visit", visit.Id, new { amount = topUp.Amount, demo = true });
        }
    }
}
