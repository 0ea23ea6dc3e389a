using TapRoom.Server.Data;
using TapRoom.Server.Features;
using TapRoom.Server.Infrastructure;
using TapRoom.Server.Tests.Faults;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Foundation;

/// <summary>
/// <see cref="HotQuery"/>: a query prepared once answers from whichever database the context it is given belongs to.
/// EF binds a compiled query to the provider it first ran with, so the helper keeps one compiled delegate per provider;
/// one delegate for both would answer a PostgreSQL context with SQLite's plan (or throw). Both providers in one process
/// need the throw-away PostgreSQL of ./test.sh, so this runs in the PostgreSQL run.
/// </summary>
[Trait("Database", "postgres-only")]
public sealed class HotQueryTests
{
    private static readonly Func<TapRoomDbContext, Guid, CancellationToken, Task<string?>> TapName = HotQuery.Create(
        (TapRoomDbContext db, Guid id, CancellationToken _) => db.Taps.Where(t => t.Id == id).Select(t => t.Name).FirstOrDefault());

    private static readonly Func<TapRoomDbContext, CancellationToken, Task<List<string>>> TapNames = HotQuery.CreateList(
        (TapRoomDbContext db) => db.Taps.OrderBy(t => t.Number).Select(t => t.Name));

    [Fact]
    public async Task The_same_prepared_query_answers_from_each_providers_own_database_taken_in_turns()
    {
        await using var sqlite = await TestDatabase.CreateAsync(DatabaseOptions.Sqlite);
        await using var postgres = await TestDatabase.CreateAsync(DatabaseOptions.Postgres);
        await using var onSqlite = await TapRoomHost.StartAsync(database: sqlite);
        await using var onPostgres = await TapRoomHost.StartAsync(database: postgres);
        using var adminS = await onSqlite.SignInAsync();
        using var adminP = await onPostgres.SignInAsync();
        var tapS = (await FaultVenue.PostAsync(adminS, "/api/taps", new { name = "Only in SQLite" })).GetProperty("id").GetGuid();
        var tapP = (await FaultVenue.PostAsync(adminP, "/api/taps", new { name = "Only in PostgreSQL" })).GetProperty("id").GetGuid();

        // Postgres first, then SQLite, then both again: whichever provider a delegate met first must not decide for the other.
        for (var round = 0; round < 2; round++)
        {
            Assert.Equal("Only in PostgreSQL", await onPostgres.DbAsync(db => TapName(db, tapP, default)));
            Assert.Null(await onPostgres.DbAsync(db => TapName(db, tapS, default)));
            Assert.Equal("Only in SQLite", await onSqlite.DbAsync(db => TapName(db, tapS, default)));
            Assert.Null(await onSqlite.DbAsync(db => TapName(db, tapP, default)));
            Assert.Equal(["Only in SQLite"], await onSqlite.DbAsync(db => TapNames(db, default)));
            Assert.Equal(["Only in PostgreSQL"], await onPostgres.DbAsync(db => TapNames(db, default)));
        }

        // The read models the dashboard pushes use are hot queries too: a tap and its visit-less state from each side.
        var fromPostgres = Assert.Single(await onPostgres.DbAsync(db => ReadModels.TapsAsync(db, [tapP], default)));
        var fromSqlite = Assert.Single(await onSqlite.DbAsync(db => ReadModels.TapsAsync(db, [tapS], default)));
        Assert.Equal(("Only in PostgreSQL", "Only in SQLite"), (fromPostgres.Name, fromSqlite.Name));
        Assert.Empty(await onSqlite.DbAsync(db => ReadModels.TapsAsync(db, [tapP], default)));
    }
}
