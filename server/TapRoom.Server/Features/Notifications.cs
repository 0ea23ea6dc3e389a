using MediatR;
using TapRoom.Contracts;

namespace TapRoom.Server.Features;

// Notifications raised by handlers through DomainEvents and published after the commit. The dashboard hub turns
// them into pushes (IDashboardClient); other handlers may react too. They carry ids, not state: a handler that
// pushes reads the committed state, so a late or repeated push is never stale.

public sealed record TapChangedNotification(Guid TapId) : INotification;

/// <summary>
/// A tap's status was saved with a new value (raised by the command pipeline from the change tracker, never by hand:
/// <see cref="Data.TapRoomDbContext.TakeTapStatusChanges"/>). Its controller is told (<c>TapStateChanged</c>).
/// </summary>
public sealed record TapStatusChangedNotification(Guid TapId) : INotification;

public sealed record VisitChangedNotification(Guid VisitId) : INotification;

public sealed record KegChangedNotification(Guid KegId) : INotification;

public sealed record ShiftChangedNotification(Guid ShiftId) : INotification;

public sealed record SyncQueueChangedNotification : INotification;

/// <summary>A POS outbox row was written, delivered, failed, dead-lettered, retried or settled by hand.</summary>
public sealed record PosOutboxChangedNotification : INotification;

public sealed record PourProgressNotification(Guid PourSessionId, Guid TapId, Guid VisitId, int VolumeMl, DateTime At) : INotification;

/// <param name="ControllerId">The controller of the reader: its venue's dashboards hear of it.</param>
public sealed record CardReadNotification(CardPresentedMessage Message, Guid? ControllerId = null) : INotification;

public sealed record CardRemovedNotification(CardRemovedMessage Message, Guid? ControllerId = null) : INotification;

/// <summary>A controller's settings changed (calibration): it should be sent <c>ConfigChanged</c>.</summary>
public sealed record ControllerConfigChangedNotification(Guid ControllerId) : INotification;

/// <summary>A tap refused a card (AuthorizePour's deny branch): dashboards show it on the tap card.</summary>
public sealed record PourDeniedNotification(Guid TapId, DenyReason Reason, string Message, string CardUid, Guid? VisitId, string? GuestName, DateTime At) : INotification;
