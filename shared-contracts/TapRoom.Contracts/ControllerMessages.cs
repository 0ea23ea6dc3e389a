namespace TapRoom.Contracts;

// ---- Controller -> server invocations ----

public sealed record HelloRequest(string AgentVersion, int PendingSyncCount);

/// <summary>
/// One tap of a controller. The beer fields describe the keg connected now (all null without one); the tap screen shows
/// them and prices the running pour with <see cref="PricePerLiter"/> in <see cref="Currency"/> (the location's).
/// </summary>
public sealed record ControllerTapConfig(
    Guid TapId,
    string Name,
    TapStatus Status,
    int PulsesPerLiter,
    int MaxPourMl,
    int FlowIdleTimeoutMs,
    string? BeerName = null,
    string? BeerStyle = null,
    decimal? Abv = null,
    decimal? PricePerLiter = null,
    string? Currency = null);

public sealed record HelloResult(Guid ControllerId, IReadOnlyList<ControllerTapConfig> Taps, DateTime ServerTime);

public sealed record AuthorizeRequest(Guid TapId, string CardUid, Guid RequestId);

public sealed record AuthorizeResult(
    bool Allowed,
    Guid? PourSessionId,
    int? MaxVolumeMl,
    DenyReason? DenyReason,
    string Message,
    string? GuestName,
    decimal? Balance);

public sealed record CompletePourRequest(Guid PourSessionId, Guid TapId, int VolumeMl, DateTime StartedAt, DateTime EndedAt);

public sealed record CompletePourResult(CompletePourOutcome Outcome, decimal ChargedAmount, decimal? Balance, string? Message = null);

/// <summary>Up to <see cref="MaxPours"/> completions at once (a journal replay), handled in the order given.</summary>
public sealed record SyncPoursRequest(IReadOnlyList<CompletePourRequest> Pours)
{
    /// <summary>100 completions are about 22 KB of JSON, within the hub's 32 KB message limit.</summary>
    public const int MaxPours = 100;
}

/// <summary>One result per completion of the request, in its order.</summary>
public sealed record SyncPoursResult(IReadOnlyList<SyncedPour> Results);

/// <summary>What <c>CompletePour</c> would have answered for this pour, or an <c>error</c> (try it again later).</summary>
public sealed record SyncedPour(Guid PourSessionId, CompletePourResult? Result, string? Error = null);

// ---- Controller -> server, fire and forget ----

public sealed record PourProgressMessage(Guid PourSessionId, int VolumeMl, DateTime At);

public sealed record CardPresentedMessage(string ReaderId, string CardUid, DateTime At);

public sealed record CardRemovedMessage(string ReaderId, DateTime At);

public sealed record FlowWithoutPourMessage(Guid TapId, int VolumeMl, DateTime At);

/// <summary>A calibration pour ended (target reached by the tap's current factor, stopped, link lost, flow idle or cap).</summary>
public sealed record CalibrationPourDoneMessage(Guid CalibrationId, Guid TapId, long Pulses, int VolumeMl, DateTime At);

// ---- Server -> controller ----

public sealed record TapStateChangedMessage(Guid TapId, TapStatus Status);

public sealed record StopPourMessage(Guid PourSessionId, string Reason);

/// <summary>Open the tap's valve with no card until <see cref="TargetMl"/> by the tap's current factor (a guided calibration).</summary>
public sealed record StartCalibrationPourMessage(Guid CalibrationId, Guid TapId, int TargetMl);

public sealed record StopCalibrationPourMessage(Guid CalibrationId);
