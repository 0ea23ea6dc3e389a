namespace TapRoom.Contracts;

/// <summary>A pour the server has authorised but not yet seen settled (sync status <c>pending_sync</c>).</summary>
public sealed record PendingSyncPourDto(
    Guid PourSessionId,
    Guid TapId,
    string TapName,
    Guid VisitId,
    string GuestName,
    int VolumeMl,
    int MaxVolumeMl,
    DateTime AuthorizedAt,
    DateTime? StartedAt,
    DateTime? LastProgressAt,
    DateTime? TimedOutAt);

public sealed record PendingSyncDto(int PendingSyncCount, IReadOnlyList<PendingSyncPourDto> Pours);
