namespace TapRoom.Contracts;

public static class HubRoutes
{
    public const string Controller = "/hubs/controller";
    public const string Dashboard = "/hubs/dashboard";
}

/// <summary>Methods a controller invokes on the server (<see cref="HubRoutes.Controller"/>).</summary>
public interface IControllerHub
{
    Task<HelloResult> Hello(HelloRequest request);
    Task<AuthorizeResult> Authorize(AuthorizeRequest request);
    Task<CompletePourResult> CompletePour(CompletePourRequest request);
    /// <summary>A batch of completions (journal replay): each exactly as <c>CompletePour</c>, idempotent per pour, one commit.</summary>
    Task<SyncPoursResult> SyncPours(SyncPoursRequest request);
    Task PourProgress(PourProgressMessage message);
    Task CardPresented(CardPresentedMessage message);
    Task CardRemoved(CardRemovedMessage message);
    Task FlowWithoutPour(FlowWithoutPourMessage message);
    /// <summary>A batch of temperature readings (what the agent kept while offline too); refused readings are counted, not kept.</summary>
    Task<TemperatureReadingsResult> TemperatureReadings(TemperatureReadingsRequest request);
    /// <summary>A calibration pour's pulses; idempotent per calibration (the agent may send it again after a drop).</summary>
    Task CalibrationPourDone(CalibrationPourDoneMessage message);

    /// <summary>Returns its argument and does nothing else: the floor a hub round trip costs (load driver, docs/PERFORMANCE.md).</summary>
    Task<string> Echo(string text);
}

/// <summary>Messages the server pushes to a controller.</summary>
public interface IControllerClient
{
    Task TapStateChanged(TapStateChangedMessage message);
    Task ConfigChanged(HelloResult config);
    Task StopPour(StopPourMessage message);
    Task StartCalibrationPour(StartCalibrationPourMessage message);
    Task StopCalibrationPour(StopCalibrationPourMessage message);
}

/// <summary>Messages the server pushes to staff browsers (<see cref="HubRoutes.Dashboard"/>).</summary>
public interface IDashboardClient
{
    Task TapUpdated(TapDto tap);
    Task PourProgress(PourProgressPush progress);
    Task AlertRaised(AlertDto alert);
    Task AlertUpdated(AlertDto alert);
    Task VisitUpdated(VisitSummaryDto visit);
    Task KegUpdated(KegDto keg);
    Task ShiftUpdated(ShiftDto shift);
    Task ControllerStatusChanged(ControllerStatusDto controller);
    Task SyncQueueChanged(SyncQueueChangedMessage message);
    Task CardRead(CardPresentedMessage message);
    Task CardRemoved(CardRemovedMessage message);
    /// <summary>A tap refused a card: shown on that tap's card for a few seconds with what to do.</summary>
    Task PourDenied(PourDeniedPush denial);
    /// <summary>The POS outbox changed (after commit, coalesced): the POS view and its nav badge reload.</summary>
    Task PosOutboxChanged(PosOutboxChangedMessage message);

    // Coalesced pushes (CONTRACT.md): the latest state per subject changed within one window of at most 100 ms, each item
    // exactly what the single push would carry. Clients apply a batch item by item; a lone change comes as the single push.
    Task TapUpdatedBatch(PushBatch<TapDto> batch);
    Task PourProgressBatch(PushBatch<PourProgressPush> batch);
    Task AlertRaisedBatch(PushBatch<AlertDto> batch);
    Task AlertUpdatedBatch(PushBatch<AlertDto> batch);
    Task VisitUpdatedBatch(PushBatch<VisitSummaryDto> batch);
    Task KegUpdatedBatch(PushBatch<KegDto> batch);
    Task ShiftUpdatedBatch(PushBatch<ShiftDto> batch);
    Task ControllerStatusChangedBatch(PushBatch<ControllerStatusDto> batch);
}

/// <summary>Several pushes of one kind sent as one message: <c>{ items: [ … ] }</c>.</summary>
public sealed record PushBatch<T>(IReadOnlyList<T> Items);

/// <summary>Pending = waiting for delivery (some may have failed); Failing = pending with a failed attempt, plus dead.</summary>
public sealed record PosOutboxChangedMessage(int Pending, int Failing);

public sealed record SyncQueueChangedMessage(int PendingSyncCount);

/// <summary>
/// A refused presentation at a tap. <c>VisitId</c>/<c>GuestName</c> are set when the card belongs to an open visit;
/// <c>OtherTapName</c> names the tap that holds the card for <c>card_in_use</c>.
/// </summary>
public sealed record PourDeniedPush(Guid TapId, string? TapName, DenyReason Reason, string Message, string CardUid, Guid? VisitId, string? GuestName, DateTime At);

public sealed record PourProgressPush(Guid PourSessionId, Guid TapId, Guid VisitId, int VolumeMl, DateTime At);
