using System.Text.Json;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Pos;

/// <summary>The POS queue for staff, newest first. <c>failed</c> means pending with at least one failed attempt.</summary>
public static class ListPosOutbox
{
    public static readonly string[] Statuses = ["pending", "failed", "sent", "dead", "manual_done"];

    public sealed record Query(string? Status, int? Limit, Guid? LocationId = null) : IQuery<IReadOnlyList<PosOutboxEntryDto>>;

    public sealed class Validator : AbstractValidator<Query>
    {
        public Validator()
        {
            RuleFor(x => x.Status).Must(s => s is null || Statuses.Contains(s))
                .WithMessage($"'Status' must be one of {string.Join(", ", Statuses)}.");
            RuleFor(x => x.Limit).InclusiveBetween(1, 500).When(x => x.Limit is not null);
        }
    }

    public sealed class Handler(TapRoomDbContext db, VenueAccess access) : IRequestHandler<Query, IReadOnlyList<PosOutboxEntryDto>>
    {
        public async Task<IReadOnlyList<PosOutboxEntryDto>> Handle(Query request, CancellationToken cancellationToken)
        {
            var venues = await access.ScopeAsync(request.LocationId, cancellationToken);
            var q = db.PosOutbox.AsNoTracking().Where(e => venues.Contains(e.LocationId));
            q = request.Status switch
            {
                "pending" => q.Where(e => e.Status == PosOutboxStatus.Pending),
                "failed" => q.Where(e => e.Status == PosOutboxStatus.Pending && e.LastError != null),
                "sent" => q.Where(e => e.Status == PosOutboxStatus.Sent),
                "dead" => q.Where(e => e.Status == PosOutboxStatus.Dead),
                "manual_done" => q.Where(e => e.Status == PosOutboxStatus.ManualDone),
                _ => q,
            };
            var rows = await q.OrderByDescending(e => e.Id).Take(request.Limit ?? 100).ToListAsync(cancellationToken);
            var visitIds = rows.Where(r => r.VisitId != null).Select(r => r.VisitId!.Value).Distinct().ToList();
            var guests = await db.Visits.AsNoTracking().Where(v => visitIds.Contains(v.Id))
                .Select(v => new { v.Id, v.Guest!.Name }).ToDictionaryAsync(v => v.Id, v => v.Name, cancellationToken);
            return rows.Select(r => ToDto(r, r.VisitId is { } id ? guests.GetValueOrDefault(id) : null)).ToList();
        }
    }

    public static PosOutboxEntryDto ToDto(PosOutboxEntry e) => ToDto(e, null);

    /// <summary>The entry with the guest its visit belongs to, so staff see whose top-up or pour it is.</summary>
    public static PosOutboxEntryDto ToDto(PosOutboxEntry e, string? guestName)
    {
        using var payload = JsonDocument.Parse(e.PayloadJson);
        return new PosOutboxEntryDto(e.Id, e.IdempotencyKey, e.Kind, e.Status, e.Attempts,
            e.Status == PosOutboxStatus.Pending ? e.NextAttemptAt : null, e.LastError, e.CreatedAt, e.SentAt, e.VisitId, e.LedgerEntryId,
            payload.RootElement.Clone(), guestName);
    }
}
