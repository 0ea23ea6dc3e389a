using TapRoom.Server.Data;

namespace TapRoom.Server.Infrastructure;

/// <summary>
/// SQLite has one writer at a time. Commands queue here, in process and in order, before they begin their IMMEDIATE
/// transaction, instead of colliding in SQLite and busy-waiting (Microsoft.Data.Sqlite retries a busy database every
/// 150 ms, which turned ten racing authorisations into a second of sleeping). The IMMEDIATE transaction still guards
/// against other processes; the rules themselves rest on conditional updates and unique indexes, not on this gate.
/// On PostgreSQL the gate is open: several instances write at once, and nothing in one process could order them
/// (docs/adr/0041-concurrency-on-postgresql.md).
/// </summary>
public sealed class WriteGate(TapRoomDatabase database)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<IDisposable> EnterAsync(CancellationToken ct)
    {
        if (!database.IsSqlite) return Open.Instance;
        await _gate.WaitAsync(ct);
        return new Releaser(_gate);
    }

    private sealed class Open : IDisposable
    {
        public static readonly Open Instance = new();
        public void Dispose() { }
    }

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) gate.Release();
        }
    }
}
