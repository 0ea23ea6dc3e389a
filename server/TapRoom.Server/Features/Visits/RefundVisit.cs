using FluentValidation;
using MediatR;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Visits;

/// <summary>
/// Gives money back from an active visit. The balance never goes below zero, and no money leaves a visit that is
/// pouring or has an unsynced pour (its charge is still to come).
/// </summary>
public static class RefundVisit
{
    public sealed record Command(Guid VisitId, decimal Amount, string? Comment, PaymentMethod? PaymentMethod = null) : ICommand<MoneyMovementResult>, IAuditSubject
    {
        public (string Type, Guid? Id) AuditSubject => ("visit", VisitId);
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.Amount).DeskAmount();
            RuleFor(x => x.Comment).MaximumLength(500);
            RuleFor(x => x.PaymentMethod).IsInEnum();
        }
    }

    public sealed class Handler(TapRoomDbContext db, VisitLedger ledger)
        : IRequestHandler<Command, MoneyMovementResult>
    {
        public async Task<MoneyMovementResult> Handle(Command request, CancellationToken cancellationToken)
        {
            var visit = await VisitLoader.LoadForChangeAsync(db, request.VisitId, cancellationToken);
            visit.EnsureActive();
            await VisitLoader.EnsureNotPouringAsync(db, visit, cancellationToken);
            await VisitLoader.EnsureNoPendingSyncAsync(db, visit, cancellationToken);
            var before = visit.Balance;
            if (request.Amount > before)
                throw new DomainException("insufficient_balance", $"The balance is {before}; a refund cannot exceed it.",
                    details: new { balance = before });

            var (entry, balance) = await ledger.RecordAsync(visit, LedgerKind.Refund, request.Amount, request.Comment, request.PaymentMethod, cancellationToken);
            return new MoneyMovementResult(visit.Id, entry.Id, entry.Kind, entry.Amount, balance, entry.PaymentMethod);
        }
    }
}
