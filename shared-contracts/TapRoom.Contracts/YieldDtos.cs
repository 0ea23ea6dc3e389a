namespace TapRoom.Contracts;

/// <summary>
/// Where one keg's beer went. The parts and <see cref="RemainingMl"/> add up to <see cref="NominalMl"/> exactly.
/// <see cref="YieldPercent"/> is charged ÷ nominal; <see cref="CostPerLiter"/> is the cost per litre charged;
/// <see cref="MarginPercent"/> is (revenue − cost) ÷ revenue (null without a cost or revenue).
/// </summary>
public sealed record KegYieldDto(
    Guid KegId,
    Guid BeerTypeId,
    string BeerName,
    KegStatus Status,
    int NominalMl,
    int ChargedMl,
    int BelowMinimumMl,
    int CleaningMl,
    int CalibrationMl,
    int LeakMl,
    int SpillMl,
    int FoamMl,
    int OtherMl,
    int LossAtEmptyMl,
    int RemainingMl,
    decimal YieldPercent,
    decimal? Cost,
    decimal Revenue,
    decimal? CostPerLiter,
    decimal? MarginPercent);

/// <summary>One beer's kegs in a yield report: the same parts summed over <see cref="Kegs"/> kegs.</summary>
public sealed record YieldReportLineDto(
    Guid BeerTypeId,
    string BeerName,
    int Kegs,
    int NominalMl,
    int ChargedMl,
    int BelowMinimumMl,
    int CleaningMl,
    int CalibrationMl,
    int LeakMl,
    int SpillMl,
    int FoamMl,
    int OtherMl,
    int LossAtEmptyMl,
    int RemainingMl,
    decimal YieldPercent,
    decimal? Cost,
    decimal Revenue,
    decimal? MarginPercent);

/// <summary>Kegs on a tap at some time in [from, to) of the venue, per beer, with each keg's own figures.</summary>
public sealed record YieldReportDto(Guid LocationId, DateTime From, DateTime To, string Currency, IReadOnlyList<YieldReportLineDto> Beers, IReadOnlyList<KegYieldDto> Kegs);

/// <summary>
/// A beer's stock at a venue: litres on taps and in the warehouse, the last 14 days' rate, the days it lasts and the
/// date to reorder by (the day it runs out less the venue's lead time; null while nothing is poured).
/// </summary>
public sealed record StockLineDto(Guid BeerTypeId, string BeerName, int ConnectedMl, int WarehouseMl, decimal LitresPerDay, decimal? DaysLeft, DateOnly? ReorderBy, bool ReorderDue);

public sealed record StockReportDto(Guid LocationId, DateTime At, int ReorderLeadDays, IReadOnlyList<StockLineDto> Beers);

public sealed record KegWasteDto(Guid Id, Guid KegId, WasteKind Kind, int VolumeMl, string Comment, string RecordedBy, DateTime At, int KegRemainingMl);

public sealed record StartCalibrationResult(Guid CalibrationId);

/// <summary>A guided calibration pour: the factor it poured with, the pulses counted, the jug's volume once entered.</summary>
public sealed record CalibrationDto(
    Guid Id,
    Guid TapId,
    Guid? KegId,
    CalibrationStatus Status,
    int TargetMl,
    int PulsesPerLiterUsed,
    long? Pulses,
    int? VolumeMl,
    int? MeasuredMl,
    int? MeasuredPulsesPerLiter,
    DateTime StartedAt,
    DateTime? PouredAt,
    DateTime? MeasuredAt,
    DateTime? AppliedAt);

/// <summary>The median factor of the measured pours since the last apply, and how far apart they are ((max − min) ÷ median).</summary>
public sealed record CalibrationProposalDto(
    Guid TapId,
    int CurrentPulsesPerLiter,
    int? PulsesPerLiter,
    int Samples,
    decimal? SpreadPercent,
    bool SpreadWarning,
    IReadOnlyList<CalibrationDto> Pours);

public sealed record CalibrationAppliedDto(Guid TapId, int PreviousPulsesPerLiter, int PulsesPerLiter, int Samples);
