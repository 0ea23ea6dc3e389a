using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using TapRoom.Server.Data;

namespace TapRoom.Server.DesignTime;

public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<TapRoomDbContext>
{
    public TapRoomDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<TapRoomDbContext>();
        DatabaseSetup.ConfigureSqlite(builder, Path.Combine(Path.GetTempPath(), "taproom-design-time.db"));
        return new TapRoomDbContext(builder.Options);
    }
}
