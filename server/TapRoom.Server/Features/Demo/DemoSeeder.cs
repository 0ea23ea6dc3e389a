using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Controllers;
using TapRoom.Server.Features.Pos;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Demo;

/// <summary>
/// <c>--demo</c>: a small venue to look at — beers, kegs on taps and in the warehouse, a controller for the taps,
/// staff users of each role, guests with open visits and money on them, and an open shift. Seeded once; on every start
/// the demo controller gets a fresh API key that only the in-process simulated taps know.
/// </summary>
public static class DemoSeeder
{
    public const string StaffLogin = "staff";
    public const string ManagerLogin = "manager";
    public const string DemoPassword = "taproom-demo";
    public const string ControllerName = "demo-bar";

    public static readonly string[] GuestCardUids = ["04A1B2C3", "04D4E5F6", "04112233445566", "04998877"];

    public sealed record DemoController(Guid ControllerId, string ApiKey, IReadOnlyList<Guid> TapIds, IReadOnlyList<string> CardUids);

    public static async Task<DemoController> SeedAsync(IServiceProvider services, CancellationToken ct = default)
    {
        using var scope = services.CreateScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<TapRoomDbContext>();
        var audit = sp.GetRequiredService<AuditTrail>();
        var hasher = sp.GetRequiredService<HashingPasswordHasher>();
        var pos = sp.GetRequiredService<PosOutboxWriter>();
        var now = sp.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        var location = await db.Locations.OrderBy(l => l.CreatedAt).FirstAsync(ct);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var controller = await db.Controllers.Include(c => c.Taps).FirstOrDefaultAsync(c => c.Name == ControllerName, ct);
        var apiKey = RegisterController.NewApiKey();
        if (controller is not null)
        {
            controller.ApiKeyHash = ControllerKeyHandler.Hash(apiKey);
            controller.ApiKeyPrefix = apiKey[..8];
            controller.RevokedAt = null;
            audit.Record(AuditActions.ControllerRegistered, "controller", controller.Id, new { reason = "demo key rotated at start" });
            // A manager may have closed the shift (and the visits) last time: a new night starts with a new shift
            // and new visits for the demo guests, so the bar pours again.
            await EnsureOpenShiftAsync(db, audit, location, now, ct);
            await EnsureGuestVisitsAsync(db, audit, pos, location, now, ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            return new DemoController(controller.Id, apiKey, controller.Taps.OrderBy(t => t.Number).Select(t => t.Id).ToList(), GuestCardUids);
        }

        foreach (var (login, name, role) in new[] { (StaffLogin, "Sam Staff", StaffRole.Staff), (ManagerLogin, "Mia Manager", StaffRole.Manager) })
        {
            if (await db.StaffUsers.AnyAsync(u => u.Login == login, ct)) continue;
            var user = new StaffUser { Id = Guid.NewGuid(), Login = login, Name = name, Role = role, PasswordHash = hasher.Hash(DemoPassword), CreatedAt = now };
            db.StaffUsers.Add(user);
            audit.Record("staff_user.created", "staff_user", user.Id, new { login, role, demo = true });
        }

        var beers = new[]
        {
            new BeerType { Id = Guid.NewGuid(), Name = "Helles", Style = "Lager", Abv = 4.9m, PricePerLiter = 9.00m, CreatedAt = now },
            new BeerType { Id = Guid.NewGuid(), Name = "Hazy IPA", Style = "IPA", Abv = 6.5m, PricePerLiter = 13.50m, CreatedAt = now },
            new BeerType { Id = Guid.NewGuid(), Name = "Dry Stout", Style = "Stout", Abv = 4.2m, PricePerLiter = 11.00m, CreatedAt = now },
            new BeerType { Id = Guid.NewGuid(), Name = "Zero Pils", Style = "Non-alcoholic", Abv = 0.4m, PricePerLiter = 6.00m, CreatedAt = now },
        };
        db.BeerTypes.AddRange(beers);
        foreach (var b in beers) audit.Record(AuditActions.BeerTypeCreated, "beer_type", b.Id, new { b.Name, b.PricePerLiter, demo = true });

        controller = new Controller
        {
            Id = Guid.NewGuid(), LocationId = location.Id, Name = ControllerName, ApiKeyHash = ControllerKeyHandler.Hash(apiKey),
            ApiKeyPrefix = apiKey[..8], CreatedAt = now,
        };
        db.Controllers.Add(controller);
        audit.Record(AuditActions.ControllerRegistered, "controller", controller.Id, new { controller.Name, demo = true });

        var remaining = new[] { 38_000, 21_500, 6_200, 14_000 };
        var taps = new List<Tap>();
        for (var i = 0; i < beers.Length; i++)
        {
            var tap = new Tap
            {
                Id = Guid.NewGuid(), LocationId = location.Id, Number = i + 1, Name = $"Tap {i + 1}", Status = TapStatus.Active,
                ControllerId = controller.Id, LastBeerTypeId = beers[i].Id, CreatedAt = now,
            };
            var keg = new Keg
            {
                Id = Guid.NewGuid(), LocationId = location.Id, BeerTypeId = beers[i].Id, NominalVolumeMl = 50_000, RemainingVolumeMl = remaining[i],
                // What the demo's earlier evening poured: charged, bar a little foam, so the yield report has something to show.
                ChargedMl = (50_000 - remaining[i]) * 95 / 100, FoamMl = (50_000 - remaining[i]) - (50_000 - remaining[i]) * 95 / 100, Cost = 110m + 10m * i,
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
                    Id = Guid.NewGuid(), LocationId = location.Id, BeerTypeId = beers[i].Id, NominalVolumeMl = w == 0 ? 50_000 : 30_000,
                    RemainingVolumeMl = w == 0 ? 50_000 : 30_000, Status = KegStatus.Warehouse, ReceivedAt = now.AddDays(-7 + w * 3), CreatedAt = now.AddDays(-7 + w * 3),
                };
                db.Kegs.Add(spare);
                audit.Record(AuditActions.KegReceived, "keg", spare.Id, new { demo = true });
            }
        }

        var guests = new[] { ("Alex Morgan", new DateOnly(1990, 4, 12)), ("Jamie Lee", new DateOnly(1985, 11, 3)), ("Robin Fischer", new DateOnly(1998, 7, 21)), ("Kim Novak", new DateOnly(1979, 1, 30)) };
        for (var i = 0; i < guests.Length; i++)
        {
            var guest = new Guest { Id = Guid.NewGuid(), Name = guests[i].Item1, DateOfBirth = guests[i].Item2, CreatedAt = now };
            var card = new Card { Id = Guid.NewGuid(), Uid = GuestCardUids[i], GuestId = guest.Id, Status = CardStatus.Active, CreatedAt = now };
            var visit = new Visit
            {
                Id = Guid.NewGuid(), LocationId = location.Id, GuestId = guest.Id, CardId = card.Id, OpenedAt = now.AddMinutes(-30 * (i + 1)),
                OpenedBy = "demo", VolumeLimitMl = location.Policies.VisitVolumeLimitMl * 2,
            };
            var topUp = new LedgerEntry { Id = Guid.NewGuid(), VisitId = visit.Id, Kind = LedgerKind.TopUp, Amount = 40m + 10m * i, Actor = "demo", At = visit.OpenedAt };
            db.Guests.Add(guest);
            db.Cards.Add(card);
            db.Visits.Add(visit);
            db.Ledger.Add(visit.Book(topUp));
            pos.Enqueue(PosOutboxKind.TopUp, visit.Id, topUp, new { visitId = visit.Id, amount = topUp.Amount, demo = true });
            audit.Record(AuditActions.GuestCreated, "guest", guest.Id, new { guest.Name, demo = true });
            audit.Record(AuditActions.VisitOpened, "visit", visit.Id, new { guestId = guest.Id, cardUid = card.Uid, demo = true });
            audit.Record(AuditActions.VisitToppedUp, "visit", visit.Id, new { amount = topUp.Amount, demo = true });
        }

        await EnsureOpenShiftAsync(db, audit, location, now, ct);

        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return new DemoController(controller.Id, apiKey, taps.Select(t => t.Id).ToList(), GuestCardUids);
    }

    private static async Task EnsureOpenShiftAsync(TapRoomDbContext db, AuditTrail audit, Location location, DateTime now, CancellationToken ct)
    {
        if (await db.Shifts.AnyAsync(s => s.Status == ShiftStatus.Open, ct)) return;
        var manager = db.StaffUsers.Local.FirstOrDefault(u => u.Login == ManagerLogin) ?? await db.StaffUsers.FirstAsync(u => u.Login == ManagerLogin, ct);
        var openedAt = await db.Shifts.AnyAsync(ct) ? now : now.AddHours(-1);
        var shift = new Shift { Id = Guid.NewGuid(), LocationId = location.Id, OpenedAt = openedAt, OpenedBy = manager.Name };
        shift.Members.Add(new ShiftMember { Id = Guid.NewGuid(), ShiftId = shift.Id, StaffUserId = manager.Id, Role = StaffRole.Manager, JoinedAt = shift.OpenedAt });
        db.Shifts.Add(shift);
        audit.Record(AuditActions.ShiftOpened, "shift", shift.Id, new { demo = true });
    }

    /// <summary>Every demo guest whose visit was closed gets a new visit on their card, with money on it.</summary>
    private static async Task EnsureGuestVisitsAsync(TapRoomDbContext db, AuditTrail audit, PosOutboxWriter pos, Location location, DateTime now, CancellationToken ct)
    {
        foreach (var uid in GuestCardUids)
        {
            var card = await db.Cards.FirstOrDefaultAsync(c => c.Uid == uid, ct);
            if (card is null || card.Status == CardStatus.Lost) continue;
            if (await db.Visits.AnyAsync(v => v.CardId == card.Id && v.Status == VisitStatus.Active, ct)) continue;
            var guest = await db.Guests.FirstOrDefaultAsync(g => g.Id == card.GuestId, ct)
                ?? await db.Visits.Where(v => v.CardId == card.Id).OrderByDescending(v => v.OpenedAt).Select(v => v.Guest).FirstOrDefaultAsync(ct);
            if (guest is null || await db.Visits.AnyAsync(v => v.GuestId == guest.Id && v.Status == VisitStatus.Active, ct)) continue;
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
            pos.Enqueue(PosOutboxKind.TopUp, visit.Id, topUp, new { visitId = visit.Id, amount = topUp.Amount, paymentMethod = topUp.PaymentMethod, demo = true });
            audit.Record(AuditActions.VisitOpened, "visit", visit.Id, new { guestId = guest.Id, cardUid = card.Uid, demo = true });
            audit.Record(AuditActions.VisitToppedUp, "visit", visit.Id, new { amount = topUp.Amount, demo = true });
        }
    }
}
