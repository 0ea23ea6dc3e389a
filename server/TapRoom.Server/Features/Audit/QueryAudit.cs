using System.Text.Json;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Audit;

/// <summary>
/// The audit trail, newest first, filtered by subject type, subject id, action (exact, or a prefix ending in
/// <c>*</c> such as <c>visit.*</c>) and a time range [from, to).
/// </summary>
public static class QueryAudit
{
    public const int DefaultLimit = 200;
    public const int MaxLimit = 1000;

    public sealed record Query(string? Subject, Guid? SubjectId, string? Action, DateTime? From, DateTime? To, int? Limit, Guid? LocationId = null)
        : IQuery<IReadOnlyList<AuditEventDto>>;

    public sealed class Validator : AbstractValidator<Query>
    {
        public Validator()
        {
            RuleFor(x => x.Subject).MaximumLength(32);
            RuleFor(x => x.Action).MaximumLength(64);
            RuleFor(x => x.Limit).InclusiveBetween(1, MaxLimit);
            RuleFor(x => x.To).GreaterThan(x => x.From).When(x => x.From is not null && x.To is not null)
                .WithMessage("'to' must be after 'from'.");
        }
    }

    public sealed class Handler(TapRoomDbContext db, VenueAccess access, CurrentActor actor) : IRequestHandler<Query, IReadOnlyList<AuditEventDto>>
    {
        public async Task<IReadOnlyList<AuditEventDto>> Handle(Query request, CancellationToken cancellationToken)
        {
            var q = db.AuditEvents.AsNoTracking();
            // The chain's own events (no venue) are the admins'; a manager reads the events of their venues.
            var chain = request.LocationId is null && actor.Value.IsAtLeast(StaffRole.Admin);
            var venues = await access.ScopeAsync(request.LocationId, cancellationToken);
            q = q.Where(e => e.LocationId == null ? chain : venues.Contains(e.LocationId.Value));
            if (!string.IsNullOrWhiteSpace(request.Subject)) q = q.Where(e => e.SubjectType == request.Subject.Trim());
            if (request.SubjectId is { } id) q = q.Where(e => e.SubjectId == id);
            if (!string.IsNullOrWhiteSpace(request.Action))
            {
                var action = request.Action.Trim();
                if (action.EndsWith('*'))
                {
                    var prefix = action[..^1];
                    q = q.Where(e => e.Action.StartsWith(prefix));
                }
                else
                {
                    q = q.Where(e => e.Action == action);
                }
            }
            if (request.From is { } from) { var f = from.ToUniversalTime(); q = q.Where(e => e.At >= f); }
            if (request.To is { } to) { var t = to.ToUniversalTime(); q = q.Where(e => e.At < t); }
            var rows = await q.OrderByDescending(e => e.Id).Take(request.Limit ?? DefaultLimit).ToListAsync(cancellationToken);
            var names = new AuditNames(db);
            await names.LoadAsync(rows.Select(e => (e.SubjectId, e.DetailsJson)).ToList(), cancellationToken);
            return rows.Select(e => new AuditEventDto(e.Id, e.At, e.ActorType, e.ActorId, e.ActorName, e.Action, e.SubjectType, e.SubjectId,
                JsonDocument.Parse(e.DetailsJson).RootElement.Clone(), names.NameOf(e.SubjectId), names.Describe(e.DetailsJson))).ToList();
        }
    }
}
