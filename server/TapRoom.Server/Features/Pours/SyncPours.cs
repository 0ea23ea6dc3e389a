using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Pours;

/// <summary>
/// A controller's journal replay in batches: up to <see cref="SyncPoursRequest.MaxPours"/> completions, each handled
/// exactly as <see cref="CompletePour"/> (idempotent per pour: the first accepted one is charged, every repeat is a
/// <c>duplicate</c>), in the order given, each in its own savepoint, all in one command and so one commit. A
/// completion that fails unexpectedly is rolled back alone and answered with an error, to be sent again; its
/// neighbours stand. The controller hears nothing before the commit.
/// </summary>
public static class SyncPours
{
    public sealed record Command(Guid ControllerId, SyncPoursRequest Request) : ICommand<SyncPoursResult>, IControllerRequest;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.Request).NotNull();
            When(x => x.Request is not null, () =>
            {
                RuleFor(x => x.Request.Pours).NotNull().Must(p => p.Count is > 0 and <= SyncPoursRequest.MaxPours)
                    .WithMessage($"Send between 1 and {SyncPoursRequest.MaxPours} completions.");
                RuleForEach(x => x.Request.Pours).ChildRules(p =>
                {
                    p.RuleFor(x => x).NotNull();
                    p.RuleFor(x => x.PourSessionId).NotEmpty();
                    p.RuleFor(x => x.TapId).NotEmpty();
                }).When(x => x.Request.Pours is not null);
            });
        }
    }

    public sealed class Handler(TapRoomDbContext db, IMediator mediator, ILogger<Handler> log) : IRequestHandler<Command, SyncPoursResult>
    {
        public async Task<SyncPoursResult> Handle(Command command, CancellationToken ct)
        {
            await PourGuards.EnsureControllerActiveAsync(db, command.ControllerId, ct);
            var tx = db.Database.CurrentTransaction!.GetDbTransaction();
            var results = new List<SyncedPour>(command.Request.Pours.Count);
            foreach (var pour in command.Request.Pours)
            {
                await tx.SaveAsync("pour", ct);
                try
                {
                    // Runs inside this command's transaction (TransactionBehavior passes nested commands through).
                    var result = await mediator.Send(new CompletePour.Command(command.ControllerId, pour, ControllerChecked: true), ct);
                    await db.SaveChangesAsync(ct);
                    await tx.ReleaseAsync("pour", ct);
                    results.Add(new SyncedPour(pour.PourSessionId, result));
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not DomainException)
                {
                    await tx.RollbackAsync("pour", CancellationToken.None);
                    await tx.ReleaseAsync("pour", CancellationToken.None);
                    log.LogWarning(ex, "Completion of pour {PourSessionId} in a batch failed; the controller sends it again", pour.PourSessionId);
                    results.Add(new SyncedPour(pour.PourSessionId, null, "error: the server could not record it now; send it again"));
                }
                // Each completion reads what the ones before it wrote; nothing needs to stay tracked.
                db.ChangeTracker.Clear();
            }
            return new SyncPoursResult(results);
        }
    }
}
