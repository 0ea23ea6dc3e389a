using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using TapRoom.Server.Data;

namespace TapRoom.Server.Infrastructure;

/// <summary>
/// A hot query prepared once: an EF Core compiled query (<see cref="EF.CompileAsyncQuery{TContext,TResult}(Expression{Func{TContext,CancellationToken,TResult}})"/>),
/// so a call neither walks the LINQ expression tree to pull out its parameters nor looks the query up in EF's query
/// cache. On this server's hot path that walk cost several times the query itself (docs/PERFORMANCE.md, "Issue 14,
/// fifth pass": the controller check of every authorisation and completion, by primary key, was 2.6 % of the server's
/// CPU at the target load).
/// <para>
/// A compiled query binds to the provider it first ran with, so the SQLite and the PostgreSQL context each get their own
/// compiled delegate, built from the same expression (its context parameter retyped to <see cref="PostgresTapRoomDbContext"/>).
/// </para>
/// </summary>
public static class HotQuery
{
    /// <summary>A query with no argument (its result a single value: end it with <c>First</c>, <c>Any</c>, <c>Count</c>, …).</summary>
    public static Func<TapRoomDbContext, CancellationToken, Task<TResult>> Create<TResult>(
        Expression<Func<TapRoomDbContext, CancellationToken, TResult>> query)
    {
        var sqlite = EF.CompileAsyncQuery(query);
        var postgres = EF.CompileAsyncQuery(Retype<Func<PostgresTapRoomDbContext, CancellationToken, TResult>>(query));
        return (db, ct) => db is PostgresTapRoomDbContext pg ? postgres(pg, ct) : sqlite(db, ct);
    }

    /// <summary>A query with one argument (its result a single value).</summary>
    public static Func<TapRoomDbContext, TArg, CancellationToken, Task<TResult>> Create<TArg, TResult>(
        Expression<Func<TapRoomDbContext, TArg, CancellationToken, TResult>> query)
    {
        var sqlite = EF.CompileAsyncQuery(query);
        var postgres = EF.CompileAsyncQuery(Retype<Func<PostgresTapRoomDbContext, TArg, CancellationToken, TResult>>(query));
        return (db, arg, ct) => db is PostgresTapRoomDbContext pg ? postgres(pg, arg, ct) : sqlite(db, arg, ct);
    }

    /// <summary>A query with two arguments (its result a single value).</summary>
    public static Func<TapRoomDbContext, TArg1, TArg2, CancellationToken, Task<TResult>> Create<TArg1, TArg2, TResult>(
        Expression<Func<TapRoomDbContext, TArg1, TArg2, CancellationToken, TResult>> query)
    {
        var sqlite = EF.CompileAsyncQuery(query);
        var postgres = EF.CompileAsyncQuery(Retype<Func<PostgresTapRoomDbContext, TArg1, TArg2, CancellationToken, TResult>>(query));
        return (db, a1, a2, ct) => db is PostgresTapRoomDbContext pg ? postgres(pg, a1, a2, ct) : sqlite(db, a1, a2, ct);
    }

    /// <summary>A query with no argument whose result is a list of rows.</summary>
    public static Func<TapRoomDbContext, CancellationToken, Task<List<TResult>>> CreateList<TResult>(
        Expression<Func<TapRoomDbContext, IQueryable<TResult>>> query)
    {
        var sqlite = EF.CompileAsyncQuery(query);
        var postgres = EF.CompileAsyncQuery(Retype<Func<PostgresTapRoomDbContext, IQueryable<TResult>>>(query));
        return (db, ct) => ToListAsync(db is PostgresTapRoomDbContext pg ? postgres(pg) : sqlite(db), ct);
    }

    /// <summary>A query with one argument whose result is a list of rows.</summary>
    public static Func<TapRoomDbContext, TArg, CancellationToken, Task<List<TResult>>> CreateList<TArg, TResult>(
        Expression<Func<TapRoomDbContext, TArg, IQueryable<TResult>>> query)
    {
        var sqlite = EF.CompileAsyncQuery(query);
        var postgres = EF.CompileAsyncQuery(Retype<Func<PostgresTapRoomDbContext, TArg, IQueryable<TResult>>>(query));
        return (db, arg, ct) => ToListAsync(db is PostgresTapRoomDbContext pg ? postgres(pg, arg) : sqlite(db, arg), ct);
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> rows, CancellationToken ct)
    {
        var list = new List<T>();
        await foreach (var row in rows.WithCancellation(ct)) list.Add(row);
        return list;
    }

    /// <summary>The same lambda over the PostgreSQL context: its first parameter (the context) replaced.</summary>
    private static Expression<TDelegate> Retype<TDelegate>(LambdaExpression query)
    {
        var context = query.Parameters[0];
        var postgres = Expression.Parameter(typeof(PostgresTapRoomDbContext), context.Name);
        var body = new Replace(context, postgres).Visit(query.Body);
        return Expression.Lambda<TDelegate>(body, [postgres, .. query.Parameters.Skip(1)]);
    }

    private sealed class Replace(ParameterExpression from, ParameterExpression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : node;
    }
}
