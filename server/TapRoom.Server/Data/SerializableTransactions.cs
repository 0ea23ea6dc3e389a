using System.Data;
using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace TapRoom.Server.Data;

/// <summary>
/// PostgreSQL only: every transaction EF Core begins without an explicit level is SERIALIZABLE. SQLite's single writer
/// made each command's "read, check, write" atomic; on PostgreSQL several commands run at once, and a check that reads
/// one row while another command changes it (a refund reading the balance while a pour is authorised) must not both
/// commit. PostgreSQL aborts one of them with a serialization failure (40001) and
/// <see cref="Infrastructure.ConcurrencyRetryBehavior{TRequest,TResponse}"/> runs that command again on fresh data.
/// The rules themselves stay on conditional updates and unique indexes (docs/adr/0041-concurrency-on-postgresql.md).
/// </summary>
public sealed class SerializableTransactions : DbTransactionInterceptor
{
    public static readonly SerializableTransactions Instance = new();

    public override InterceptionResult<DbTransaction> TransactionStarting(
        DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result) =>
        eventData.IsolationLevel == IsolationLevel.Unspecified
            ? InterceptionResult<DbTransaction>.SuppressWithResult(connection.BeginTransaction(IsolationLevel.Serializable))
            : result;

    public override async ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(
        DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result,
        CancellationToken cancellationToken = default) =>
        eventData.IsolationLevel == IsolationLevel.Unspecified
            ? InterceptionResult<DbTransaction>.SuppressWithResult(await connection.BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken))
            : result;
}
