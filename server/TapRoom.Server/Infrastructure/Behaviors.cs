using System.Diagnostics;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;

namespace TapRoom.Server.Infrastructure;

/// <summary>Outermost: logs each request's name, outcome and duration (never its payload, which may carry secrets).</summary>
public sealed class LoggingBehavior<TRequest, TResponse>(ILogger<LoggingBehavior<TRequest, TResponse>> log)
    : IPipelineBehavior<TRequest, TResponse>
{
    private static readonly string Name = RequestNames.Of(typeof(TRequest));

    // Runs for every request (3,000 progress reports a second at the target load): nothing is allocated for the debug
    // line unless debug logging is on.
    public async Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await next();
            if (log.IsEnabled(LogLevel.Debug)) log.LogDebug("{Request} handled in {ElapsedMs} ms", Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return response;
        }
        catch (DomainException ex)
        {
            log.LogInformation("{Request} refused: {Code} in {ElapsedMs} ms", Name, ex.Code, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            throw;
        }
        catch (RequestValidationException)
        {
            log.LogInformation("{Request} failed validation in {ElapsedMs} ms", Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            throw;
        }
    }
}

/// <summary>Checks the shape of input with the request's FluentValidation validators.</summary>
public sealed class ValidationBehavior<TRequest, TResponse>(IEnumerable<IValidator<TRequest>> validators)
    : IPipelineBehavior<TRequest, TResponse>
{
    public async Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        if (request is null)
            throw new RequestValidationException(new Dictionary<string, string[]> { [""] = ["The request is empty."] });
        var failures = new List<FluentValidation.Results.ValidationFailure>();
        foreach (var v in validators)
        {
            var result = await v.ValidateAsync(request, cancellationToken);
            failures.AddRange(result.Errors);
        }
        if (failures.Count > 0)
        {
            throw new RequestValidationException(failures
                .GroupBy(f => JsonName(f.PropertyName))
                .ToDictionary(g => g.Key, g => g.Select(f => f.ErrorMessage).Distinct().ToArray()));
        }
        return await next();
    }

    private static string JsonName(string property) =>
        string.Join('.', property.Split('.').Select(p => p.Length == 0 ? p : char.ToLowerInvariant(p[0]) + p[1..]));
}

/// <summary>
/// The one place that commits: a command runs all-or-nothing together with its audit events, inside its own savepoint
/// of a transaction it shares with the commands queued next to it (<see cref="CommitBatcher"/>, ADR 0034); its caller
/// is answered only once that transaction committed. A refused command is rolled back and its refusal audited.
/// Notifications go out after the commit.
/// </summary>
public sealed class TransactionBehavior<TRequest, TResponse>(
    TapRoomDbContext db,
    DomainEvents events,
    IMediator mediator,
    AuditTrail audit,
    CommitBatcher batcher,
    ILogger<TransactionBehavior<TRequest, TResponse>> log)
    : IPipelineBehavior<TRequest, TResponse>
    where TRequest : ICommandMarker
{
    /// <summary>The command's name for the writer's metrics ("authorize_pour").</summary>
    private static readonly string Kind = RequestNames.Of(typeof(TRequest));

    public async Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        if (db.Database.CurrentTransaction is not null)
            return await next();

        // SQLite: the batch's shared transaction, the command in a savepoint of it. PostgreSQL: a transaction of the
        // command's own, rolled back whole on a refusal (no savepoint: two round trips less for every command).
        var shared = db.Database.IsSqlite();
        (TResponse Response, DomainException? Refusal) outcome;
        try
        {
            outcome = await batcher.RunAsync(db, async () =>
            {
                var tx = db.Database.CurrentTransaction!.GetDbTransaction();
                if (shared) await tx.SaveAsync("command", cancellationToken);
                try
                {
                    var response = await next();
                    await db.SaveChangesAsync(cancellationToken);
                    foreach (var tapId in db.TakeTapStatusChanges()) events.Add(new Features.TapStatusChangedNotification(tapId));
                    if (shared) await tx.ReleaseAsync("command", CancellationToken.None);
                    return (response, (DomainException?)null);
                }
                catch (DomainException ex) when (shared && request is not INoRejectionAudit)
                {
                    // The command's changes go; its refusal is recorded and committed with the batch.
                    await tx.RollbackAsync("command", CancellationToken.None);
                    await tx.ReleaseAsync("command", CancellationToken.None);
                    Forget();
                    await AuditRejectionAsync(request!, ex);
                    return (default(TResponse)!, ex);
                }
            }, Kind);
        }
        catch (DomainException ex) when (!shared && request is not INoRejectionAudit)
        {
            // PostgreSQL: the command's transaction is gone; its refusal is recorded in one of its own.
            Forget();
            await batcher.RunAsync(db, async () =>
            {
                await AuditRejectionAsync(request!, ex);
                return 0;
            }, Kind);
            outcome = (default(TResponse)!, ex);
        }
        catch
        {
            Forget();
            throw;
        }
        if (outcome.Refusal is { } refusal) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(refusal);
        // What the command tracked is history once committed (its atomic UPDATEs did not refresh it): the notification
        // handlers and the next command of this scope read what the database holds.
        db.ChangeTracker.Clear();

        foreach (var notification in events.Drain())
        {
            try
            {
                await mediator.Publish(notification, CancellationToken.None);
            }
            catch (Exception ex)
            {
                // The change is committed; a failed push must not turn it into an error for the caller.
                log.LogWarning(ex, "Publishing {Notification} failed", notification.GetType().Name);
            }
        }
        return outcome.Response;
    }

    /// <summary>Drops what the rolled-back command left behind: tracked changes, noted status changes, notifications.</summary>
    private void Forget()
    {
        db.ChangeTracker.Clear();
        db.TakeTapStatusChanges();
        events.Clear();
    }

    private async Task AuditRejectionAsync(TRequest request, DomainException ex)
    {
        var name = RequestNames.Of(request!.GetType());
        var subject = request is IAuditSubject s ? s.AuditSubject : (Type: name, Id: (Guid?)null);
        audit.Record($"{name}.rejected", subject.Type, subject.Id, new { code = ex.Code, message = ex.Message });
        await db.SaveChangesAsync(CancellationToken.None);
        db.ChangeTracker.Clear();
    }
}

/// <summary>Names the subject of a command for the audit of its refusal.</summary>
public interface IAuditSubject
{
    (string Type, Guid? Id) AuditSubject { get; }
}

public static class RequestNames
{
    /// <summary>"OpenVisit.Command" → "open_visit".</summary>
    public static string Of(Type requestType)
    {
        var name = requestType.DeclaringType?.Name ?? requestType.Name;
        return System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
    }
}

public sealed class RequestValidationException(IDictionary<string, string[]> errors)
    : Exception("The request is not valid.")
{
    public IDictionary<string, string[]> Errors { get; } = errors;
}
