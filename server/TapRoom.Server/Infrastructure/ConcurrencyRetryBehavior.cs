using System.Diagnostics.Metrics;
using System.Data.Common;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;

namespace TapRoom.Server.Infrastructure;

/// <summary>
/// Just outside <see cref="TransactionBehavior{TRequest,TResponse}"/>: a command that failed for a transient reason
/// (a deadlock, a serialization failure, a dropped or exhausted connection, facts that changed under it:
/// <see cref="ConcurrencyConflictException"/>, or a unique index that a concurrent command filled first) is run again from the start, on what is committed now, up to
/// <see cref="MaxAttempts"/> times with a short random pause; TransactionBehavior has already rolled back and cleared
/// the tracker and the pending notifications. Past that it is answered <c>server_busy</c> (503), logged at Warning and
/// counted (<c>taproom.db.busy</c>). Under READ COMMITTED the rules never need it: two commands competing for one
/// thing get their rule's answer from an atomic statement (docs/RULES.md). Nested commands pass through.
/// </summary>
public sealed class ConcurrencyRetryBehavior<TRequest, TResponse>(
    TapRoomDbContext db, ILogger<ConcurrencyRetryBehavior<TRequest, TResponse>> log)
    : IPipelineBehavior<TRequest, TResponse>
    where TRequest : ICommandMarker
{
    public const int MaxAttempts = 4;
    private static readonly string Name = RequestNames.Of(typeof(TRequest));

    public async Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        if (db.Database.CurrentTransaction is not null)
            return await next();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await next();
            }
            catch (Exception ex) when (DatabaseErrors.IsTransient(ex) || DatabaseErrors.IsLostInsertRace(ex))
            {
                db.ChangeTracker.Clear();
                var reason = DatabaseErrors.Describe(ex);
                // A unique index that still says no on fresh data is the rule's answer (409 conflict), not a busy server.
                if (attempt >= MaxAttempts && !DatabaseErrors.IsTransient(ex)) throw;
                if (attempt >= MaxAttempts)
                {
                    ConcurrencyMetrics.Busy.Add(1, new KeyValuePair<string, object?>("command", Name), new KeyValuePair<string, object?>("reason", reason));
                    log.LogWarning("{Request} failed {Attempts} times for a transient reason ({Reason}); answered server_busy", Name, attempt, reason);
                    throw new DomainException("server_busy", "The server is busy; please try again.", StatusCodes.Status503ServiceUnavailable);
                }
                ConcurrencyMetrics.Retries.Add(1, new KeyValuePair<string, object?>("command", Name), new KeyValuePair<string, object?>("reason", reason));
                log.LogDebug("{Request} failed for a transient reason ({Reason}, attempt {Attempt}); running it again", Name, reason, attempt);
                await Task.Delay(Random.Shared.Next(1, 5 * attempt), cancellationToken);
            }
        }
    }
}

/// <summary>Raised by a handler whose conditional statement found the facts it decided on changed: run the command again.</summary>
public sealed class ConcurrencyConflictException(string message) : Exception(message);

public static class ConcurrencyMetrics
{
    private static readonly Meter Meter = new(TapRoomMetrics.MeterName);
    public static readonly Counter<long> Retries = Meter.CreateCounter<long>("taproom.db.retries", "{command}", "Commands run again after a transient database failure.");
    public static readonly Counter<long> Busy = Meter.CreateCounter<long>("taproom.db.busy", "{command}", "Commands answered server_busy after their last retry.");
}

/// <summary>What a database error means, on either provider.</summary>
public static class DatabaseErrors
{
    public static bool IsSerializationConflict(Exception ex) =>
        Find<PostgresException>(ex) is { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected };

    /// <summary>Worth running the whole command again: a conflict with another transaction, or a connection problem.</summary>
    public static bool IsTransient(Exception ex) =>
        ex is ConcurrencyConflictException or DbUpdateConcurrencyException
        || IsSerializationConflict(ex)
        || Find<PostgresException>(ex) is { SqlState: PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.CannotConnectNow }
        || Find<NpgsqlException>(ex) is { IsTransient: true } and not PostgresException
        || Find<Microsoft.Data.Sqlite.SqliteException>(ex) is { SqliteErrorCode: 5 or 6 }; // SQLITE_BUSY, SQLITE_LOCKED

    /// <summary>
    /// PostgreSQL: a unique index refused an insert because a concurrent command committed the same key first (two
    /// desk clicks opening one card's visit, two staff connecting one keg). Run again, the command reads the winner's
    /// row and answers its rule (<c>card_in_active_visit</c>, the idempotent replay). On SQLite's single writer a unique
    /// violation is never a race, so it is not run again there.
    /// </summary>
    public static bool IsLostInsertRace(Exception ex) => Find<PostgresException>(ex) is { SqlState: PostgresErrorCodes.UniqueViolation };

    /// <summary>A short name of a transient failure for logs and metrics.</summary>
    public static string Describe(Exception ex) => ex switch
    {
        ConcurrencyConflictException => "facts_changed",
        DbUpdateConcurrencyException => "row_changed",
        _ when Find<PostgresException>(ex) is { } pg => pg.SqlState,
        _ when Find<Microsoft.Data.Sqlite.SqliteException>(ex) is { } sqlite => $"sqlite_{sqlite.SqliteErrorCode}",
        _ => "connection",
    };

    /// <summary>A unique index, foreign key or check said no (SQLite error 19; PostgreSQL class 23).</summary>
    public static bool IsConstraintViolation(Exception ex) =>
        Find<Microsoft.Data.Sqlite.SqliteException>(ex) is { SqliteErrorCode: 19 }
        || Find<PostgresException>(ex) is { SqlState: var s } && s.StartsWith("23", StringComparison.Ordinal);

    private static T? Find<T>(Exception? ex) where T : DbException
    {
        for (; ex is not null; ex = ex.InnerException)
            if (ex is T t) return t;
        return null;
    }
}
