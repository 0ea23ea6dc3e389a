using System.Net;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Domain;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Desk;

/// <summary>The balance is the sum of the ledger and never below zero; every money movement has one POS outbox row.</summary>
public sealed class LedgerTests(DeskHostFixture fx) : IClassFixture<DeskHostFixture>
{
    private HttpClient Staff => fx.Staff;
    private TapRoomHost Host => fx.Host;

    [Theory]
    [InlineData(1)]
    [InlineData(42)]
    [InlineData(2026)]
    public async Task Any_sequence_of_top_ups_refunds_and_charges_keeps_the_balance_equal_to_the_sum_and_never_negative(int seed)
    {
        var random = new Random(seed);
        var (_, opened) = await Staff.GuestWithVisitAsync();
        var expected = 0m;
        var movements = 0;

        for (var i = 0; i < 30; i++)
        {
            var amount = random.Next(1, 5000) / 100m;
            var roll = random.Next(10);
            if (roll < 4)
            {
                var result = await HttpAssert.OkAsync<MoneyMovementResult>(await Staff.TopUpAsync(opened.VisitId, amount));
                expected += amount;
                movements++;
                Assert.Equal(expected, result.Balance);
            }
            else if (roll < 8)
            {
                var response = await Staff.RefundAsync(opened.VisitId, amount);
                if (amount > expected)
                {
                    await HttpAssert.ProblemAsync(response, HttpStatusCode.Conflict, "insufficient_balance");
                }
                else
                {
                    var result = await HttpAssert.OkAsync<MoneyMovementResult>(response);
                    expected -= amount;
                    movements++;
                    Assert.Equal(expected, result.Balance);
                }
            }
            else if (expected > 0)
            {
                // A pour charge as the pour work writes it (no desk route charges money).
                var charge = Math.Min(amount, expected);
                await Host.DbAsync(async db =>
                {
                    var visit = await db.Visits.SingleAsync(v => v.Id == opened.VisitId);
                    db.Ledger.Add(visit.Book(new LedgerEntry
                    {
                        Id = Guid.NewGuid(), VisitId = opened.VisitId, Kind = LedgerKind.PourCharge, Amount = -charge, Actor = "test",
                        At = Host.Time.GetUtcNow().UtcDateTime,
                    }));
                    await db.SaveChangesAsync();
                });
                expected -= charge;
            }

            var visit = await Staff.VisitAsync(opened.VisitId);
            Assert.Equal(expected, visit.Visit.Balance);
            Assert.Equal(visit.Ledger.Sum(e => e.Amount), visit.Visit.Balance);
            Assert.True(visit.Visit.Balance >= 0);
        }

        // Refunding more than the balance is refused, whatever the sequence left.
        await HttpAssert.ProblemAsync(await Staff.RefundAsync(opened.VisitId, expected + 0.01m), HttpStatusCode.Conflict, "insufficient_balance");

        var ledger = await Host.DbAsync(db => db.Ledger.Where(e => e.VisitId == opened.VisitId && e.Kind != LedgerKind.PourCharge).ToListAsync());
        var outbox = await Host.DbAsync(db => db.PosOutbox.Where(o => o.VisitId == opened.VisitId).ToListAsync());
        Assert.Equal(movements, ledger.Count);
        Assert.Equal(movements, outbox.Count);
        Assert.Equal(ledger.Select(e => e.Id).Order(), outbox.Select(o => o.LedgerEntryId!.Value).Order());
        foreach (var entry in ledger)
        {
            var row = outbox.Single(o => o.LedgerEntryId == entry.Id);
            Assert.Equal(entry.Kind == LedgerKind.TopUp ? PosOutboxKind.TopUp : PosOutboxKind.Refund, row.Kind);
            Assert.Equal(PosOutboxStatus.Pending, row.Status);
        }
        Assert.Equal(ledger.Count(e => e.Kind == LedgerKind.TopUp),
            await Host.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == "visit.topped_up" && e.SubjectId == opened.VisitId)));
        Assert.Equal(ledger.Count(e => e.Kind == LedgerKind.Refund),
            await Host.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == "visit.refunded" && e.SubjectId == opened.VisitId)));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("10000.01")]
    [InlineData("1.234")]
    [InlineData("\"ten\"")]
    public async Task A_bad_amount_is_refused_and_writes_nothing(string amount)
    {
        var (_, opened) = await Staff.GuestWithVisitAsync();
        foreach (var route in new[] { "top-up", "refund" })
        {
            var response = await Staff.PostAsync($"/api/visits/{opened.VisitId}/{route}",
                new StringContent($"{{\"amount\":{amount}}}", System.Text.Encoding.UTF8, "application/json"));
            await HttpAssert.ProblemAsync(response, HttpStatusCode.BadRequest, amount.StartsWith('"') ? "malformed_json" : "validation_failed");
        }
        Assert.Equal(0, await Host.DbAsync(db => db.Ledger.CountAsync(e => e.VisitId == opened.VisitId)));
        Assert.Equal(0, await Host.DbAsync(db => db.PosOutbox.CountAsync(o => o.VisitId == opened.VisitId)));
    }

    [Fact]
    public async Task The_largest_amount_is_accepted_and_money_on_an_unknown_visit_is_not_found()
    {
        var (_, opened) = await Staff.GuestWithVisitAsync();
        Assert.Equal(10000m, (await HttpAssert.OkAsync<MoneyMovementResult>(await Staff.TopUpAsync(opened.VisitId, 10000m))).Balance);
        await HttpAssert.ProblemAsync(await Staff.TopUpAsync(Guid.NewGuid(), 5m), HttpStatusCode.NotFound, "not_found");
        await HttpAssert.ProblemAsync(await Staff.RefundAsync(Guid.NewGuid(), 5m), HttpStatusCode.NotFound, "not_found");
    }
}
