using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Yield;

/// <summary>
/// The venue a yield, stock or calibration request is about: the request's (<c>?locationId=</c>, else the user's first),
/// which the venue middleware has already held to the venues the user may see (docs/RULES.md, "Several venues").
/// </summary>
public static class VenueScope
{
    public static Task<Location> ResolveAsync(LocationContext location, CancellationToken ct) => location.GetAsync(ct);
}
