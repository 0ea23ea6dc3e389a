using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Dashboard;

/// <summary>Arranges taps, kegs, visits and pours straight in the database (the routes that create them live elsewhere).</summary>
public static class DashboardVenue
{
    public sealed record Arranged(Guid TapId, Guid KegId, Guid VisitId, Guid GuestId, Guid? PourSessionId);

    public static Task<Arranged> TapWithKegAsync(TapRoomHost host, int number, string beer = "Pilsner", int remainingMl = 15_000, bool withPour = false,
        string guestName = "Ada", decimal balance = 20m, int pourVolumeMl = 0) =>
        host.DbAsync(async db =>
        {
            var now = host.Time.GetUtcNow().UtcDateTime;
            var location = await db.Locations.FirstAsync();
            var beerType = await db.BeerTypes.FirstOrDefaultAsync(b => b.Name == beer)
                ?? db.BeerTypes.Add(new BeerType { Id = Guid.NewGuid(), Name = beer, Abv = 5m, PricePerLiter = 8m, CreatedAt = now }).Entity;
            var tap = new Tap { Id = Guid.NewGuid(), LocationId = location.Id, Number = number, Name = $"Tap {number}", Status = TapStatus.Active, CreatedAt = now };
            var keg = new Keg
            {
                Id = Guid.NewGuid(), LocationId = location.Id, BeerTypeId = beerType.Id, NominalVolumeMl = 30_000, RemainingVolumeMl = remainingMl, Status = KegStatus.Connected,
                ChargedMl = 30_000 - remainingMl, // as earlier pours left it: the parts add up
                ReceivedAt = now.AddDays(-1), ConnectedAt = now, TapId = tap.Id, CreatedAt = now,
            };
            tap.KegId = keg.Id;
            db.Taps.Add(tap);
            db.Kegs.Add(keg);
            var (visitId, guestId) = AddVisit(db, location.Id, guestName, balance, now);
            Guid? pourId = null;
            if (withPour)
            {
                var controller = new Controller
                {
                    Id = Guid.NewGuid(), LocationId = location.Id, Name = $"pi-arranged-{number}", ApiKeyHash = Guid.NewGuid().ToString("N"),
                    ApiKeyPrefix = "trk_test", CreatedAt = now,
                };
                db.Controllers.Add(controller);
                tap.ControllerId = controller.Id;
                pourId = Guid.NewGuid();
                db.PourSessions.Add(new PourSession
                {
                    Id = pourId.Value, VisitId = visitId, TapId = tap.Id, KegId = keg.Id, ControllerId = controller.Id, RequestId = Guid.NewGuid(),
                    CardUid = "04AA" + number, MaxVolumeMl = 500, PricePerLiter = 8m, AuthorizedAt = now, StartedAt = now, LastProgressMl = pourVolumeMl,
                });
                var visit = db.Visits.Local.Single(v => v.Id == visitId);
                visit.ActiveTapId = tap.Id;
                visit.LockSetAt = now;
                visit.ActivePourSessionId = pourId;
            }
            await db.SaveChangesAsync();
            return new Arranged(tap.Id, keg.Id, visitId, guestId, pourId);
        });

    public static (Guid VisitId, Guid GuestId) AddVisit(TapRoomDbContext db, Guid locationId, string guestName, decimal balance, DateTime now)
    {
        var guest = new Guest { Id = Guid.NewGuid(), Name = guestName, DateOfBirth = new DateOnly(1990, 1, 1), CreatedAt = now };
        var card = new Card { Id = Guid.NewGuid(), Uid = CardUid.Normalize(Guid.NewGuid().ToString("N")[..8]), GuestId = guest.Id, Status = CardStatus.Active, CreatedAt = now };
        var visit = new Visit
        {
            Id = Guid.NewGuid(), LocationId = locationId, GuestId = guest.Id, CardId = card.Id, OpenedAt = now, OpenedBy = "test", VolumeLimitMl = 2000,
        };
        visit.Ledger.Add(visit.Book(new LedgerEntry { Id = Guid.NewGuid(), VisitId = visit.Id, Kind = LedgerKind.TopUp, Amount = balance, Actor = "test", At = now }));
        db.Guests.Add(guest);
        db.Cards.Add(card);
        db.Visits.Add(visit);
        return (visit.Id, guest.Id);
    }
}
