using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Data;

public static class DatabaseSetup
{
    public static string ConnectionString(string databasePath) => new SqliteConnectionStringBuilder
    {
        DataSource = databasePath,
        ForeignKeys = true,
        DefaultTimeout = 30,
        Pooling = true,
    }.ToString();

    public static void ConfigureSqlite(DbContextOptionsBuilder o, string databasePath) =>
        o.UseSqlite(ConnectionString(databasePath), s => s.MigrationsAssembly(typeof(TapRoomDbContext).Assembly.GetName().Name));

    /// <summary>SQLite (the default) or PostgreSQL, from <c>TapRoom:Database:Provider</c> and <c>ConnectionStrings:TapRoom</c>.</summary>
    public static IServiceCollection AddTapRoomDatabase(this IServiceCollection services, TapRoomOptions options, IConfiguration configuration)
    {
        var database = TapRoomDatabase.From(options, configuration);
        services.AddSingleton(database);
        // Pooled contexts (EF Core's DbContext pooling): the options are built once (they depend on nothing scoped) and a
        // scope leases an initialised context instead of building one. Building one per scope (every hub invocation, every
        // command) was a tenth of the server's allocations at the target load (docs/PERFORMANCE.md, fourth pass); rebuilding
        // the options per scope had been 3-6 % of its CPU on a normal night.
        // Interceptors registered as services join every context (the tests' fault injection uses this).
        void Configure(IServiceProvider sp, DbContextOptionsBuilder o)
        {
            database.Configure(o);
            if (sp.GetServices<Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor>().ToList() is { Count: > 0 } interceptors) o.AddInterceptors(interceptors);
        }
        if (database.IsSqlite) services.AddDbContextPool<TapRoomDbContext>(Configure);
        else services.AddDbContextPool<TapRoomDbContext, PostgresTapRoomDbContext>(Configure);
        return services;
    }

    /// <summary>Every instance takes this PostgreSQL advisory lock to migrate and seed, so two starting at once never both do.</summary>
    public const long MigrationLockKey = 0x5441_5052_4F4F_4D31; // "TAPROOM1"

    /// <summary>Creates the data directory, migrates the database (SQLite: switches it to WAL) and seeds what a first start needs.</summary>
    public static async Task InitializeDatabaseAsync(this IServiceProvider services, CancellationToken ct = default)
    {
        using var scope = services.CreateScope();
        var sp = scope.ServiceProvider;
        var options = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<TapRoomOptions>>().Value;
        var database = sp.GetRequiredService<TapRoomDatabase>();
        var log = sp.GetRequiredService<ILoggerFactory>().CreateLogger("TapRoom.Bootstrap");
        Directory.CreateDirectory(Path.GetFullPath(options.DataDirectory));
        var db = sp.GetRequiredService<TapRoomDbContext>();

        if (database.IsSqlite)
        {
            var isNew = !File.Exists(options.DatabasePath);
            await db.Database.MigrateAsync(ct);
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
            log.LogInformation("Database {State} at {Path}", isNew ? "created" : "opened", options.DatabasePath);
            await BootstrapAsync(db, sp, options, log, ct);
            return;
        }

        await MigratePostgresAsync(database, async () =>
        {
            var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
            await db.Database.MigrateAsync(ct);
            log.LogInformation("Database {Where}: {Count} migration(s) applied", database.Describe(), pending.Count);
            await BootstrapAsync(db, sp, options, log, ct);
            // Hangfire's PostgreSQL storage installs or upgrades its schema when first built: here, under the same lock.
            sp.GetService<Hangfire.JobStorage>();
        }, ct);
    }

    /// <summary>
    /// Runs <paramref name="migrate"/> holding a session-level PostgreSQL advisory lock on a connection of its own:
    /// of several instances starting at once, one migrates and seeds, the others wait and then find nothing to do.
    /// </summary>
    public static async Task MigratePostgresAsync(TapRoomDatabase database, Func<Task> migrate, CancellationToken ct)
    {
        await using var lockConnection = new Npgsql.NpgsqlConnection(database.ConnectionString);
        await lockConnection.OpenAsync(ct);
        await using (var take = new Npgsql.NpgsqlCommand("SELECT pg_advisory_lock(@key)", lockConnection))
        {
            take.Parameters.AddWithValue("key", MigrationLockKey);
            await take.ExecuteNonQueryAsync(ct);
        }
        try
        {
            await migrate();
        }
        finally
        {
            await using var release = new Npgsql.NpgsqlCommand("SELECT pg_advisory_unlock(@key)", lockConnection);
            release.Parameters.AddWithValue("key", MigrationLockKey);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private static async Task BootstrapAsync(TapRoomDbContext db, IServiceProvider sp, TapRoomOptions options, ILogger log, CancellationToken ct)
    {
        var now = sp.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        var audit = sp.GetRequiredService<AuditTrail>();
        await using var tx = await db.Database.BeginTransactionAsync(ct);

        if (!await db.Locations.AnyAsync(ct))
        {
            var location = new Location
            {
                Id = Guid.NewGuid(),
                Name = "TapRoom",
                Slug = Location.SlugFrom("TapRoom"),
                Currency = "EUR",
                TimeZone = "Europe/Berlin",
                CreatedAt = now,
                EquipmentChecklist = [.. DefaultEquipmentChecklist.Items],
            };
            db.Locations.Add(location);
            audit.Record("location.created", "location", location.Id, new { location.Name });
            log.LogInformation("Created the default location");
        }

        if (!await db.StaffUsers.AnyAsync(ct))
        {
            var password = options.InitialAdminPassword;
            string? writtenTo = null;
            if (string.IsNullOrWhiteSpace(password))
            {
                password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', 'x').Replace('/', 'y');
                writtenTo = Path.Combine(Path.GetFullPath(options.DataDirectory), "initial-admin-password.txt");
                await WriteOwnerOnlyAsync(writtenTo, password + Environment.NewLine, ct);
            }
            var admin = new StaffUser
            {
                Id = Guid.NewGuid(),
                Login = "admin",
                Name = "Administrator",
                Role = StaffRole.Admin,
                PasswordHash = sp.GetRequiredService<HashingPasswordHasher>().Hash(password),
                CreatedAt = now,
            };
            db.StaffUsers.Add(admin);
            audit.Record("staff_user.created", "staff_user", admin.Id, new { admin.Login, role = admin.Role });
            if (writtenTo is not null)
                log.LogWarning("Created the first admin account 'admin'; its generated password was written to {PasswordFile}", writtenTo);
            else
                log.LogInformation("Created the first admin account 'admin' with the configured initial password");
        }

        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    private static async Task WriteOwnerOnlyAsync(string path, string content, CancellationToken ct)
    {
        var fso = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) fso.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        await using var stream = new FileStream(path, fso);
        await using var writer = new StreamWriter(stream);
        await writer.WriteAsync(content.AsMemory(), ct);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
