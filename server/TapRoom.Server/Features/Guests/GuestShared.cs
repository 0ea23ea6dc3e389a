using FluentValidation;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Guests;

/// <summary>The venue's calendar day: ages and "not in the future" are judged in the location's time zone.</summary>
public static class VenueCalendar
{
    public static async Task<DateOnly> TodayAsync(LocationContext location, TimeProvider time, CancellationToken ct = default)
    {
        var tz = (await location.GetAsync(ct)).TimeZone;
        return DateOnly.FromDateTime(Location.ToVenueTime(time.GetUtcNow().UtcDateTime, tz).Local);
    }
}

/// <summary>The fields of a guest, shared by create and edit.</summary>
public interface IGuestFields
{
    string Name { get; }
    string? Phone { get; }
    string? Email { get; }
    DateOnly? DateOfBirth { get; }
}

public sealed class GuestFieldsValidator : AbstractValidator<IGuestFields>
{
    /// <summary>Nobody alive was born before this; a date before it is a typing error.</summary>
    public const int MaxAgeYears = 120;

    public GuestFieldsValidator(TimeProvider time)
    {
        // Validators are singletons (MediatorSetup): "today" is read when a request is validated, not when this is built.
        DateOnly Today() => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        RuleFor(x => x.Name).Must(n => !string.IsNullOrWhiteSpace(n)).WithMessage("A name is required.").MaximumLength(200).SingleLine();
        RuleFor(x => x.Phone).MaximumLength(40).Matches(@"^\+?[0-9 ()\-./]{3,40}$").WithMessage("A phone number holds digits, spaces and + ( ) - . / only.")
            .When(x => !string.IsNullOrEmpty(x.Phone));
        RuleFor(x => x.Email).MaximumLength(200).EmailAddress().When(x => !string.IsNullOrEmpty(x.Email));
        RuleFor(x => x.DateOfBirth).NotNull().WithMessage("The date of birth is required.")
            // One day of slack: the venue's "today" may be a day ahead of UTC.
            .Must(d => d <= Today().AddDays(1)).WithMessage("The date of birth cannot be in the future.")
            .Must(d => d >= Today().AddYears(-MaxAgeYears)).WithMessage($"The date of birth is more than {MaxAgeYears} years ago.");
    }
}

public static class GuestReadModel
{
    public static string? Clean(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    /// <summary>Guests are the chain's; the active visit shown is the one at <paramref name="locationId"/>, the desk's venue.</summary>
    public static async Task<List<GuestDto>> ListAsync(TapRoomDbContext db, IQueryable<Guest> guests, DateOnly today, int legalAge, Guid locationId, CancellationToken ct)
    {
        var rows = await guests.AsNoTracking()
            .Select(g => new
            {
                Guest = g,
                ActiveVisitId = db.Visits.Where(v => v.GuestId == g.Id && v.LocationId == locationId && v.Status == VisitStatus.Active).Select(v => (Guid?)v.Id).FirstOrDefault(),
            })
            .ToListAsync(ct);
        return rows.Select(r => ToDto(r.Guest, r.ActiveVisitId, today, legalAge)).ToList();
    }

    public static GuestDto ToDto(Guest g, Guid? activeVisitId, DateOnly today, int legalAge)
    {
        var age = g.AgeOn(today);
        return new GuestDto(g.Id, g.Name, g.Phone, g.Email, g.DateOfBirth, age, age < legalAge, g.Status, activeVisitId, g.CreatedAt);
    }
}
