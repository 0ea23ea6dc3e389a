using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Visits;

public static class ListVisits
{
    public const int MaxResults = 500;

    /// <summary>
    /// Visits newest first; <c>status</c> filters (active or closed), none: all (up to <see cref="MaxResults"/>).
    /// <c>search</c> matches the guest's name or the card UID (part of either), <c>guestId</c> one guest's visits,
    /// <c>from</c>/<c>to</c> the day range the visit was opened in (UTC instants; the dashboard sends the venue's days).
    /// </summary>
    public sealed record Query(string? Status, string? Search = null, Guid? GuestId = null, DateTime? From = null, DateTime? To = null, Guid? LocationId = null)
        : IQuery<IReadOnlyList<VisitSummaryDto>>;

    private static readonly Dictionary<string, VisitStatus> Statuses =
        Enum.GetValues<VisitStatus>().ToDictionary(s => TapRoomJson.EnumValue(s), StringComparer.OrdinalIgnoreCase);

    public sealed class Validator : AbstractValidator<Query>
    {
        public Validator()
        {
            RuleFor(x => x.Status)
                .Must(s => string.IsNullOrEmpty(s) || Statuses.ContainsKey(s))
                .WithMessage("The status is active or closed.");
            RuleFor(x => x.Search).MaximumLength(100);
        }
    }

    public sealed class Handler(TapRoomDbContext db, VenueAccess access) : IRequestHandler<Query, IReadOnlyList<VisitSummaryDto>>
    {
        public async Task<IReadOnlyList<VisitSummaryDto>> Handle(Query request, CancellationToken cancellationToken)
        {
            VisitStatus? status = string.IsNullOrEmpty(request.Status) ? null : Statuses[request.Status];
            var venues = await access.ScopeAsync(request.LocationId, cancellationToken);
            var visits = db.Visits.Where(v => venues.Contains(v.LocationId) && (status == null || v.Status == status));
            if (request.GuestId is { } guestId) visits = visits.Where(v => v.GuestId == guestId);
            if (request.From is { } from) visits = visits.Where(v => v.OpenedAt >= from.ToUniversalTime());
            if (request.To is { } to) visits = visits.Where(v => v.OpenedAt < to.ToUniversalTime());
            if (!string.IsNullOrWhiteSpace(request.Search))
            {
                var term = request.Search.Trim().ToLower();
                var uidTerm = term.Replace(":", "").Replace(" ", "").ToUpperInvariant();
                // A visit keeps its card id after the close (the card is freed, not forgotten), so old visits match by card too.
                visits = visits.Where(v => v.Guest!.Name.ToLower().Contains(term) || (v.Card != null && v.Card.Uid.Contains(uidTerm)));
            }
            return await ReadModels.VisitsAsync(db, visits.OrderByDescending(v => v.OpenedAt).Take(MaxResults), cancellationToken);
        }
    }
}

/// <summary>A visit with its ledger (oldest first) and its pours (newest first).</summary>
public static class GetVisit
{
    public sealed record Query(Guid Id) : IQuery<VisitDetailDto>;

    public sealed class Handler(TapRoomDbContext db) : IRequestHandler<Query, VisitDetailDto>
    {
        public async Task<VisitDetailDto> Handle(Query request, CancellationToken cancellationToken)
        {
            var summary = (await ReadModels.VisitsAsync(db, [request.Id], cancellationToken)).SingleOrDefault()
                ?? throw new NotFoundException("Visit", request.Id);
            var ledger = (await db.Ledger.AsNoTracking().Where(e => e.VisitId == request.Id)
                    .Select(e => new LedgerEntryDto(e.Id, e.Kind, e.Amount, e.PourSessionId, e.Actor, e.Comment, e.At, e.PaymentMethod))
                    .ToListAsync(cancellationToken))
                .OrderBy(e => e.At).ToList();
            var pours = await db.PourSessions.AsNoTracking().Where(p => p.VisitId == request.Id)
                .OrderByDescending(p => p.AuthorizedAt)
                .Select(p => new PourSessionSummaryDto(p.Id, p.TapId, p.SyncStatus, p.AuthorizedAt, p.EndedAt, p.VolumeMl, p.ChargedAmount, p.LateSyncOutcome))
                .ToListAsync(cancellationToken);
            return new VisitDetailDto(summary, ledger, pours);
        }
    }
}
