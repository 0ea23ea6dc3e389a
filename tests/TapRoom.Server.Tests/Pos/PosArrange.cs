using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Domain;
using TapRoom.Server.Data;
using TapRoom.Server.Features.Pos;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Pos;

/// <summary>
/// Stands in for the desk and pour slices: a money movement (ledger entry) and its outbox row written through
/// <see cref="PosOutboxWriter"/> in one transaction, the way rule 9 wants it.
/// </summary>
public static class PosArrange
{
    public static async Task<List<long>> MoneyMovementsAsync(TapRoomHost host, params PosOutboxKind[] kinds)
    {
        using var scope = host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TapRoomDbContext>();
        var writer = scope.ServiceProvider.GetRequiredService<PosOutboxWriter>();
        var now = host.Time.GetUtcNow().UtcDateTime;
        await using var tx = await db.Database.BeginTransactionAsync();
        var guest = new Guest { Id = Guid.NewGuid(), Name = "Guest " + Guid.NewGuid().ToString("N")[..6], DateOfBirth = new DateOnly(1990, 1, 1), CreatedAt = now };
        var visit = new Visit { Id = Guid.NewGuid(), LocationId = (await db.Locations.FirstAsync()).Id, GuestId = guest.Id, OpenedAt = now, OpenedBy = "desk", VolumeLimitMl = 2000 };
        db.Guests.Add(guest);
        db.Visits.Add(visit);
        var rows = new List<PosOutboxEntry>();
        var i = 0;
        foreach (var kind in kinds)
        {
            i++;
            var (ledgerKind, amount) = kind switch
            {
                PosOutboxKind.TopUp => (LedgerKind.TopUp, 20m + i),
                PosOutboxKind.Refund => (LedgerKind.Refund, -5m),
                _ => (LedgerKind.PourCharge, -3.25m),
            };
            var entry = new LedgerEntry { Id = Guid.NewGuid(), VisitId = visit.Id, Kind = ledgerKind, Amount = amount, Actor = "desk", At = now };
            db.Ledger.Add(visit.Book(entry));
            rows.Add(writer.Enqueue(kind, visit.LocationId, visit.Id, entry, new { visitId = visit.Id, ledgerEntryId = entry.Id, amount = Math.Abs(amount), currency = "EUR", at = now }));
        }
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return rows.Select(r => r.Id).ToList();
    }

    public static Task<PosOutboxEntry> EntryAsync(TapRoomHost host, long id) =>
        host.DbAsync(db => db.PosOutbox.AsNoTracking().SingleAsync(e => e.Id == id));

    public static Action<Dictionary<string, string?>> Webhook(PosReceiver receiver, Action<Dictionary<string, string?>>? more = null) => s =>
    {
        s["TapRoom:Pos:Mode"] = "webhook";
        s["TapRoom:Pos:WebhookUrl"] = receiver.Url.ToString();
        s["TapRoom:Pos:WebhookSecret"] = PosReceiver.Secret;
        more?.Invoke(s);
    };
}
