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

    /// <summary>Visits newest first; <c>status</c> filters (active or closed), none: all (up to <see cref="MaxResults"/>).</summary>
    public sealed record Query(string? Status) : IQuery<IReadOnlyList<VisitSummaryDto>>;

    private static readonly Dictionary<string, VisitStatus> Statuses =
        Enum.GetValues<VisitStatus>().ToDictionary(s => TapRoomJson.EnumValue(s), StringComparer.OrdinalIgnoreCase);

    public sealed class Validator : AbstractValidator<Query>
    {
        public Validator() => RuleFor(x => x.Status)
            .Must(s => string.IsNullOrEmpty(s) || Statuses.ContainsKey(s))
            .WithMessage("The status is active or closed.");
    }

    public sealed class Handler(TapRoomDbContext db) : IRequestHandler<Query, IReadOnlyList<VisitSummaryDto>>
    {
        public async Task<IReadOnlyList<VisitSummaryDto>> Handle(Query request, CancellationToken cancellationToken)
        {
            VisitStatus? status = string.IsNullOrEmpty(request.Status) ? null : Statuses[request.Status];
            var visits = db.Visits.Where(v => status == null || v.Status == status)
                .OrderByDescending(v => v.OpenedAt).Take(MaxResults);
            return await ReadModels.VisitsAsync(db, visits, cancellationToken);
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
