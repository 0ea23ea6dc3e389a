using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Guests;

/// <summary>
/// Finds guests by part of the name (case-insensitive), part of the phone number, or a card UID in any reader format
/// (the card's bound guest and the guest whose active visit holds it). No search: the newest guests.
/// </summary>
public static class SearchGuests
{
    public const int MaxResults = 50;

    public sealed record Query(string? Search) : IQuery<IReadOnlyList<GuestDto>>;

    public sealed class Validator : AbstractValidator<Query>
    {
        public Validator() => RuleFor(x => x.Search).MaximumLength(100);
    }

    public sealed class Handler(TapRoomDbContext db, LocationContext location, TimeProvider time) : IRequestHandler<Query, IReadOnlyList<GuestDto>>
    {
        public async Task<IReadOnlyList<GuestDto>> Handle(Query request, CancellationToken cancellationToken)
        {
            var search = request.Search?.Trim() ?? "";
            IQueryable<Guest> guests = db.Guests;
            if (search.Length > 0)
            {
                // Lower-cased on both sides: SQLite's LIKE ignores (ASCII) case, PostgreSQL's does not.
                var like = "%" + search.ToLowerInvariant().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
                var digits = new string(search.Where(char.IsDigit).ToArray());
                var phoneLike = digits.Length >= 3 ? "%" + digits + "%" : null;
                var uid = CardUid.TryNormalize(search, out var u) ? u : null;
                var byCard = uid is null
                    ? new List<Guid>()
                    : await db.Cards.Where(c => c.Uid == uid && c.GuestId != null).Select(c => c.GuestId!.Value)
                        .Concat(db.Visits.Where(v => v.Status == VisitStatus.Active && v.Card!.Uid == uid).Select(v => v.GuestId))
                        .ToListAsync(cancellationToken);
                guests = guests.Where(g =>
                    EF.Functions.Like(g.Name.ToLower(), like, "\\")
                    || (g.Phone != null && EF.Functions.Like(g.Phone.ToLower(), like, "\\"))
                    || (phoneLike != null && g.Phone != null
                        && EF.Functions.Like(g.Phone.Replace(" ", "").Replace("-", "").Replace("(", "").Replace(")", "").Replace("/", "").Replace(".", ""), phoneLike))
                    || byCard.Contains(g.Id));
                guests = guests.OrderBy(g => g.Name).ThenBy(g => g.Id);
            }
            else
            {
                guests = guests.OrderByDescending(g => g.CreatedAt).ThenBy(g => g.Id);
            }
            var today = await VenueCalendar.TodayAsync(location, time, cancellationToken);
            var legalAge = (await location.PoliciesAsync(cancellationToken)).LegalAge;
            return await GuestReadModel.ListAsync(db, guests.Take(MaxResults), today, legalAge, (await location.GetAsync(cancellationToken)).Id, cancellationToken);
        }
    }
}
