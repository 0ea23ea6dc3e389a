using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace TapRoom.Server.Data;

/// <summary>
/// What <c>dotnet ef</c> uses to create the context (docs/adr/0023): a throw-away SQLite file, so the tool never builds
/// the web host (no jobs, no logging setup, no data directory). Only the interface comes from EF Core itself; the
/// design-time package is a private reference of this project.
/// </summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<TapRoomDbContext>
{
    public TapRoomDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<TapRoomDbContext>();
        DatabaseSetup.ConfigureSqlite(builder, Path.Combine(Path.GetTempPath(), "taproom-design-time.db"));
        return new TapRoomDbContext(builder.Options);
    }
}
