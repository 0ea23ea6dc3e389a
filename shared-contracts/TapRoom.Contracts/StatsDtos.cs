namespace TapRoom.Contracts;

// Figures for the charts of the web app (GET /api/stats/…). Times UTC, shown in the location's time zone; money
// decimal, volume whole millilitres.

/// <summary>One hour of a shift, starting at a whole hour of the location's time zone.</summary>
public sealed record HourTotalsDto(DateTime StartsAt, int Pours, int VolumeMl, decimal Revenue);

public sealed record DenialCountDto(DenyReason Reason, int Count);

/// <summary>
/// A shift's pours and revenue per hour and its denials by reason, over the shift report's period. Pours count at
/// their end, revenue at its ledger entry: the hours add up to the report's volume and revenue.
/// </summary>
public sealed record ShiftStatsDto(
    Guid ShiftId,
    string TimeZone,
    string Currency,
    DateTime From,
    DateTime To,
    IReadOnlyList<HourTotalsDto> Hours,
    IReadOnlyList<DenialCountDto> Denials);

public sealed record KegLevelPointDto(DateTime At, int RemainingMl);

/// <summary>
/// At tonight's rate: <c>PouredMl</c> over <c>Pours</c> since <c>From</c> (the night's start or the keg's connection,
/// whichever is later). <c>PoursLeft</c> is the remaining volume in average pours; <c>EmptyAt</c> is null until the keg
/// has been poured from.
/// </summary>
public sealed record KegForecastDto(DateTime From, int PouredMl, int Pours, int AveragePourMl, int RatePerHourMl, int PoursLeft, DateTime? EmptyAt);

/// <summary>A connected keg's level over the night: one point at the start, one after each pour or flush, one now.</summary>
public sealed record KegLevelDto(
    Guid KegId,
    Guid BeerTypeId,
    string BeerName,
    Guid TapId,
    int TapNumber,
    string TapName,
    int NominalVolumeMl,
    int RemainingVolumeMl,
    IReadOnlyList<KegLevelPointDto> Levels,
    KegForecastDto Forecast);

/// <summary>Kegs of one beer in the warehouse, counted per age bucket (<see cref="KegStatsDto.AgeBuckets"/>), by received date.</summary>
public sealed record WarehouseBeerDto(Guid BeerTypeId, string BeerName, IReadOnlyList<int> KegsByAge, int VolumeMl);

/// <summary><c>Since</c>: the open shift's start, or 12 hours ago without one.</summary>
public sealed record KegStatsDto(
    string TimeZone,
    DateTime Since,
    DateTime Now,
    IReadOnlyList<KegLevelDto> Connected,
    IReadOnlyList<string> AgeBuckets,
    IReadOnlyList<WarehouseBeerDto> Warehouse);

/// <summary>A tap's totals since <see cref="TapStatsDto.Since"/>, and its volume in each 5-minute slot of the last hour (oldest first).</summary>
public sealed record TapTotalsDto(Guid TapId, int Number, string Name, int Pours, int VolumeMl, decimal Revenue, IReadOnlyList<int> LastHourMl);

/// <summary><c>Since</c>: the open shift's start, or midnight of the location's day without one.</summary>
public sealed record TapStatsDto(string TimeZone, string Currency, DateTime Since, DateTime Now, int SlotMinutes, IReadOnlyList<TapTotalsDto> Taps);
