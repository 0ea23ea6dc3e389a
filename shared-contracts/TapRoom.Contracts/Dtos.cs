namespace TapRoom.Contracts;

// Read models shared by REST responses and dashboard pushes. Money is decimal, volume whole millilitres, times UTC.

public sealed record LocationPoliciesDto(
    int LockTimeoutSeconds,
    int FlowIdleTimeoutMs,
    int PerPourCapMl,
    int VisitVolumeLimitMl,
    int MinimumBalanceVolumeMl,
    int MinimumChargedPourMl,
    int LateSyncToleranceMl,
    int LateSyncTolerancePercent,
    int LegalAge,
    bool PouringRequiresOpenShift,
    int KegWarningPercent,
    int KegCriticalPercent,
    int ControllerHeartbeatTimeoutSeconds,
    bool DeskMoneyWithoutOpenShift = false,
    int ReorderLeadDays = 3);

/// <summary>A venue. <c>Slug</c> names it in the web app's URLs (<c>/v/{slug}/taps</c>): <c>[a-z0-9-]{2,40}</c>, unique.</summary>
/// <summary>A venue. <c>BoardEnabled</c>: its public tap list is on; <c>ServingSizesMl</c>: the servings the board prices.</summary>
public sealed record LocationDto(Guid Id, string Name, string Currency, string TimeZone, LocationPoliciesDto Policies, string Slug,
    bool BoardEnabled, IReadOnlyList<int> ServingSizesMl);

/// <summary>A venue as a user's list of venues names it.</summary>
public sealed record LocationRefDto(Guid Id, string Slug, string Name);

/// <summary>
/// A staff user. <c>IsActive</c> is false once an admin deactivated the user (who can then no longer sign in).
/// <c>LocationIds</c>: the venues a staff member or manager works at (an admin runs the whole chain and has none).
/// </summary>
public sealed record StaffUserDto(Guid Id, string Login, string Name, StaffRole Role, bool IsActive = true, IReadOnlyList<Guid>? LocationIds = null);

/// <summary>The signed-in user (GET /api/auth/me, POST /api/auth/login) and the venues they may open, oldest first.</summary>
public sealed record CurrentUserDto(Guid Id, string Login, string Name, StaffRole Role, IReadOnlyList<LocationRefDto> Locations);

public sealed record TapDto(
    Guid Id,
    int Number,
    string Name,
    TapStatus Status,
    Guid? KegId,
    Guid? ControllerId,
    bool ControllerOnline,
    string? BeerName,
    int? KegRemainingMl,
    int? KegNominalMl,
    ActivePourDto? ActivePour,
    Guid LocationId);

public sealed record ActivePourDto(Guid PourSessionId, Guid VisitId, string GuestName, int VolumeMl, int MaxVolumeMl, DateTime StartedAt);

public sealed record KegDto(
    Guid Id,
    Guid BeerTypeId,
    string BeerName,
    KegStatus Status,
    int NominalVolumeMl,
    int RemainingVolumeMl,
    DateTime? ReceivedAt,
    DateTime? ConnectedAt,
    DateTime? DisconnectedAt,
    Guid? TapId,
    DateTime CreatedAt,
    Guid LocationId,
    decimal? Cost = null);

public sealed record VisitSummaryDto(
    Guid Id,
    Guid GuestId,
    string GuestName,
    Guid? CardId,
    string? CardUid,
    VisitStatus Status,
    bool IsMinor,
    decimal Balance,
    int PouredVolumeMl,
    int VolumeLimitMl,
    Guid? ActiveTapId,
    DateTime? LockSetAt,
    DateTime OpenedAt,
    DateTime? ClosedAt,
    Guid LocationId);

public sealed record AlertDto(
    Guid Id,
    string Type,
    AlertSeverity Severity,
    AlertStatus Status,
    string SubjectType,
    Guid? SubjectId,
    string Message,
    DateTime RaisedAt,
    DateTime LastRaisedAt,
    int OccurrenceCount,
    DateTime? AcknowledgedAt,
    string? AcknowledgedBy,
    string? AcknowledgeComment,
    DateTime? ResolvedAt,
    string? ResolvedBy,
    string? ResolveComment,
    Guid LocationId,
    bool Muted = false,
    string? SubjectName = null);

public sealed record AlertMuteDto(Guid Id, string Type, string SubjectType, Guid SubjectId, DateTime Until, string MutedBy, string? Comment, DateTime CreatedAt);

/// <summary>A beer of the chain's catalogue. <c>PricePerLiter</c> is the venue's price when a venue was asked for, else the catalogue's (<c>CataloguePricePerLiter</c>).</summary>
public sealed record BeerTypeDto(Guid Id, string Name, string? Style, decimal Abv, decimal PricePerLiter, DateTime CreatedAt, decimal? CataloguePricePerLiter = null);

/// <summary>FIFO replacement for a tap: the oldest warehouse keg of the tap's beer, then every other warehouse keg.</summary>
public sealed record KegSuggestionDto(Guid TapId, Guid? BeerTypeId, string? BeerName, KegDto? Suggested, IReadOnlyList<KegDto> Alternatives);

public sealed record LostCardDto(
    Guid Id,
    string Uid,
    Guid? CardId,
    Guid? GuestId,
    string? GuestName,
    Guid? VisitId,
    DateTime ReportedAt,
    string ReportedBy,
    string? Reason,
    DateTime? ClearedAt,
    string? ClearedBy);

public sealed record ShiftMemberDto(Guid StaffUserId, string Name, StaffRole Role, DateTime JoinedAt, DateTime? LeftAt);

public sealed record ShiftDto(Guid Id, ShiftStatus Status, DateTime OpenedAt, string OpenedBy, DateTime? ClosedAt, string? ClosedBy, IReadOnlyList<ShiftMemberDto> Members, Guid LocationId);

public sealed record ControllerStatusDto(Guid Id, string Name, bool Online, DateTime? LastSeenAt, string? AgentVersion, IReadOnlyList<Guid> TapIds, Guid LocationId);

/// <summary>
/// One POS outbox entry as staff see it. <c>NextAttemptAt</c> only while pending; <c>SentAt</c> is when it was delivered
/// or marked done; <c>Payload</c> is what the POS receives as <c>data</c>.
/// </summary>
public sealed record PosOutboxEntryDto(
    long Id,
    Guid IdempotencyKey,
    PosOutboxKind Kind,
    PosOutboxStatus Status,
    int Attempts,
    DateTime? NextAttemptAt,
    string? LastError,
    DateTime CreatedAt,
    DateTime? SentAt,
    Guid? VisitId,
    Guid? LedgerEntryId,
    System.Text.Json.JsonElement Payload,
    string? GuestName = null);

/// <summary>One venue of the chain right now: taps pouring, tonight's litres and revenue (since its shift opened, else its midnight), open alerts.</summary>
public sealed record ChainVenueNowDto(Guid LocationId, string Name, string Slug, string Currency, string TimeZone, int Taps, int TapsPouring,
    decimal LitresTonight, decimal RevenueTonight, int OpenAlerts, DateTime TonightSince);

/// <summary>The chain report: per venue, for [from, to).</summary>
public sealed record ChainReportDto(DateTime From, DateTime To, IReadOnlyList<ChainVenueReportDto> Venues);

public sealed record ChainVenueReportDto(Guid LocationId, string Name, string Currency, int Pours, int VolumeMl, decimal Revenue, decimal TopUps, decimal Refunds);
