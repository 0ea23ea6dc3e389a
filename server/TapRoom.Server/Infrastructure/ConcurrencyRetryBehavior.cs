using System.Data.Common;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using TapRoom.Server.Data;

namespace TapRoom.Server.Infrastructure;

/// <summary>
/// PostgreSQL only, just outside <see cref="TransactionBehavior{TRequest,TResponse}"/>: a command whose SERIALIZABLE
/// transaction lost to a concurrent one (serialization failure 40001, deadlock 40P01) is run again from the start, on
/// what the winner committed, a few times with a short random pause. TransactionBehavior has already rolled back and
/// cleared the change tracker and the pending notifications. Nested commands (inside a transaction) pass through.
/// </summary>
public sealed class ConcurrencyRetryBehavior<TRequest, TResponse>(
    TapRoomDbContext db, TapRoomDatabase database, ILogger<ConcurrencyRetryBehavior<TRequest, TResponse>> log)
    : IPipelineBehavior<TRequest, TResponse>
    where TRequest : ICommandMarker
{
    public const int MaxAttempts = 8;

    public async Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        if (database.IsSqlite || db.Database.CurrentTransaction is not null)
            return await next();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await next();
            }
            catch (Exception ex) when (attempt < MaxAttempts && DatabaseErrors.IsSerializationConflict(ex))
            {
                log.LogDebug("{Request} lost a serialization conflict (attempt {Attempt}); running it again", RequestNames.Of(typeof(TRequest)), attempt);
                db.ChangeTracker.Clear();
                await Task.Delay(Random.Shared.Next(1, 10 * attempt), cancellationToken);
            }
        }
    }
}

/// <summary>What a database error means, on either provider.</summary>
public static class DatabaseErrors
{
    public static bool IsSerializationConflict(Exception ex) =>
        Find<PostgresException>(ex) is { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected };

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
