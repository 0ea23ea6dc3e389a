namespace TapRoom.Server.Features;

/// <summary>
/// The audit actions that reports and tests read. Names are "subject.verb"; refusals of any command are
/// recorded automatically as "&lt;command&gt;.rejected" by the transaction behaviour.
/// </summary>
public static class AuditActions
{
    public const string GuestCreated = "guest.created";
    public const string ControllerPairingStarted = "controller.pairing_started";
    public const string ControllerAdopted = "controller.adopted";
    public const string ControllerKeyDelivered = "controller.key_delivered";
    public const string GuestUpdated = "guest.updated";
    public const string GuestBlocked = "guest.blocked";
    public const string GuestUnblocked = "guest.unblocked";
    public const string CardBound = "card.bound";
    public const string CardDeactivated = "card.deactivated";
    public const string CardReportedLost = "card.reported_lost";
    public const string LostCardCleared = "lost_card.cleared";
    public const string VisitOpened = "visit.opened";
    public const string VisitCardAssigned = "visit.card_assigned";
    public const string VisitClosed = "visit.closed";
    public const string VisitToppedUp = "visit.topped_up";
    public const string VisitRefunded = "visit.refunded";
    public const string VisitLimitRaised = "visit.limit_raised";
    public const string VisitForceUnlocked = "visit.force_unlocked";
    public const string PourAuthorized = "pour.authorized";
    public const string PourDenied = "pour.denied";
    public const string PourSynced = "pour.synced";
    public const string PourReconciled = "pour.reconciled";
    public const string PourLateSyncMatched = "pour.late_sync_matched";
    public const string PourLateSyncMismatch = "pour.late_sync_mismatch";
    public const string PourTimedOut = "pour.timed_out";
    public const string PourSyncRejected = "pour.sync_rejected";
    public const string TapFlowWithoutPour = "tap.flow_without_pour";
    public const string TapCreated = "tap.created";
    public const string TapStatusChanged = "tap.status_changed";
    public const string TapCleaned = "tap.cleaned";
    public const string KegReceived = "keg.received";
    public const string KegConnected = "keg.connected";
    public const string KegEmptied = "keg.emptied";
    public const string KegReturned = "keg.returned";
    public const string KegWasteRecorded = "keg.waste_recorded";
    public const string CalibrationStarted = "calibration.started";
    public const string CalibrationStopped = "calibration.stopped";
    public const string CalibrationPoured = "calibration.poured";
    public const string CalibrationMeasured = "calibration.measured";
    public const string CalibrationApplied = "calibration.applied";
    public const string BeerTypeCreated = "beer_type.created";
    public const string BeerTypePriceChanged = "beer_type.price_changed";
    public const string BeerTypeVenuePriceChanged = "beer_type.venue_price_changed";
    public const string LocationPoliciesChanged = "location.policies_changed";
    public const string LocationCreated = "location.created";
    public const string ControllerRegistered = "controller.registered";
    public const string ControllerRevoked = "controller.revoked";
    public const string ControllerCalibrated = "controller.calibrated";
    public const string ControllerOnline = "controller.online";
    public const string ControllerOffline = "controller.offline";
    public const string AlertRaised = "alert.raised";
    public const string AlertAcknowledged = "alert.acknowledged";
    public const string AlertResolved = "alert.resolved";
    public const string AlertMuted = "alert.muted";
    public const string ShiftOpened = "shift.opened";
    public const string ShiftMemberJoined = "shift.member_joined";
    public const string ShiftMemberLeft = "shift.member_left";
    public const string ShiftClosed = "shift.closed";
    public const string PosDelivered = "pos.delivered";
    public const string PosDeliveryFailed = "pos.delivery_failed";
    public const string PosDeadLettered = "pos.dead_lettered";
    public const string PosRetried = "pos.retried";
    public const string PosMarkedDone = "pos.marked_done";
    public const string StaffSignedOut = "staff_user.signed_out";
    public const string StaffSignedOutEverywhere = "staff_user.signed_out_everywhere";
    public const string StaffPasswordChanged = "staff_user.password_changed";
    public const string StaffRoleChanged = "staff_user.role_changed";
    public const string StaffLocationsChanged = "staff_user.locations_changed";
    public const string StaffDeactivated = "staff_user.deactivated";
    public const string TemperatureZoneCreated = "temperature_zone.created";
    public const string TemperatureZoneChanged = "temperature_zone.changed";
    public const string TemperatureZoneAutoCreated = "temperature_zone.auto_created";
    public const string AlertAutoResolved = "alert.auto_resolved";
    public const string BoardSettingsChanged = "location.board_changed";
}
