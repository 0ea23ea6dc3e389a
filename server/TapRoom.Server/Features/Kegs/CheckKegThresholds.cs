using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Alerts;
using TapRoom.Server.Infrastructure;
using TapRoom.Server.Jobs;

namespace TapRoom.Server.Features.Kegs;

/// <summary>
/// Keg levels against the location's thresholds. Each threshold alerts once per keg: the check raises a warning when a
/// connected keg is below KegWarningPercent and no keg_low alert was ever raised for it, and a critical one when it is
/// below KegCriticalPercent and none of its keg_low alerts reached critical (an open warning is escalated). The alert
/// rows are the memory of the crossing, so a resolved alert is not raised again; a replacement keg starts afresh.
/// A keg at 0 ml puts its active tap <c>out_of_keg</c>. Runs after every keg change and from a sweep; idempotent.
/// </summary>
public static class CheckKegThresholds
{
    public sealed record Command(Guid? KegId = null) : ICommand<Result>;

    public sealed record Result(int Checked, IReadOnlyList<Guid> Alerted, IReadOnlyList<Guid> TapsOutOfKeg);

    public sealed class Handler(TapRoomDbContext db, LocationContext location, AlertRaiser alerts, AuditTrail audit, DomainEvents events)
        : IRequestHandler<Command, Result>
    {
        public async Task<Result> Handle(Command request, CancellationToken cancellationToken)
        {
            var kegs = await db.Kegs.Include(k => k.BeerType)
                .Where(k => k.Status == KegStatus.Connected && (request.KegId == null || k.Id == request.KegId))
                .ToListAsync(cancellationToken);
            var kegIds = kegs.Select(k => k.Id).ToList();
            var taps = await db.Taps.Where(t => t.KegId != null && kegIds.Contains(t.KegId.Value)).ToListAsync(cancellationToken);
            var alerted = (await db.Alerts.AsNoTracking()
                    .Where(a => a.Type == AlertTypes.KegLow && a.SubjectType == "keg" && kegIds.Contains(a.SubjectId))
                    .Select(a => new { a.SubjectId, a.Severity }).ToListAsync(cancellationToken))
                .GroupBy(a => a.SubjectId).ToDictionary(g => g.Key, g => g.Max(a => a.Severity));

            var raised = new List<Guid>();
            var outOfKeg = new List<Guid>();
            foreach (var keg in kegs)
            {
                var policies = await location.PoliciesAsync(keg.LocationId, cancellationToken);
                var tap = taps.FirstOrDefault(t => t.KegId == keg.Id);
                var where = tap is null ? "" : $" on tap {tap.Number} ({tap.Name})";
                var percent = keg.NominalVolumeMl == 0 ? 0 : keg.RemainingVolumeMl * 100m / keg.NominalVolumeMl;
                var message = $"Keg of {keg.BeerType!.Name}{where} is at {keg.RemainingVolumeMl} ml ({percent:0.#} %).";
                AlertSeverity? prior = alerted.TryGetValue(keg.Id, out var s) ? s : null;
                var severity = SeverityDue(keg.RemainingVolumeMl, keg.NominalVolumeMl, prior, policies);
                if (severity is not null && db.Database.IsNpgsql())
                {
                    // Another check may be raising it right now: decide again on what is committed once it is through.
                    await alerts.LockSubjectAsync(AlertTypes.KegLow, "keg", keg.Id, cancellationToken);
                    prior = (await db.Alerts.AsNoTracking().Where(a => a.Type == AlertTypes.KegLow && a.SubjectType == "keg" && a.SubjectId == keg.Id)
                        .Select(a => a.Severity).ToListAsync(cancellationToken)).Select(a => (AlertSeverity?)a).Max();
                    severity = SeverityDue(keg.RemainingVolumeMl, keg.NominalVolumeMl, prior, policies);
                }
                if (severity is { } sev && await alerts.RaiseAsync(AlertTypes.KegLow, sev, "keg", keg.Id, message, cancellationToken, keg.LocationId) is not null)
                    raised.Add(keg.Id);

                if (keg.RemainingVolumeMl == 0 && tap is { Status: TapStatus.Active })
                {
                    tap.Status = TapStatus.OutOfKeg;
                    audit.Record(AuditActions.TapStatusChanged, "tap", tap.Id, new { from = TapStatus.Active, to = TapStatus.OutOfKeg, reason = "keg_drained", kegId = keg.Id });
                    events.Add(new TapChangedNotification(tap.Id));
                    outOfKeg.Add(tap.Id);
                }
            }
            return new Result(kegs.Count, raised, outOfKeg);
        }

    }

    /// <summary>The alert a keg's level calls for, given the highest keg_low alert it already had: each threshold alerts once.</summary>
    public static AlertSeverity? SeverityDue(int remainingMl, int nominalMl, AlertSeverity? prior, LocationPolicies policies)
    {
        if (Below(remainingMl, nominalMl, policies.KegCriticalPercent) && prior is not AlertSeverity.Critical) return AlertSeverity.Critical;
        if (Below(remainingMl, nominalMl, policies.KegWarningPercent) && prior is null) return AlertSeverity.Warning;
        return null;
    }

    public static bool Below(int remainingMl, int nominalMl, int percent) => remainingMl * 100L < (long)nominalMl * percent;

    /// <summary>
    /// Whether a keg at this level can have anything to do (an alert, an empty tap): below a threshold or empty. A keg
    /// above both thresholds cannot, which decides most checks with one read and no write command.
    /// </summary>
    public static bool MayBeDue(int remainingMl, int nominalMl, LocationPolicies policies) =>
        remainingMl == 0 || Below(remainingMl, nominalMl, Math.Max(policies.KegWarningPercent, policies.KegCriticalPercent));
}

/// <summary>
/// Keg thresholds right after the change that drained a keg (a pour, a flush), once it is committed. A keg still above
/// the warning threshold cannot cross anything, so that (most pours) is decided with one read and no write command: the
/// completion that triggered it is not held up by another commit (docs/PERFORMANCE.md).
/// </summary>
public sealed class CheckKegThresholdsOnKegChanged(IMediator mediator, TapRoomDbContext db, LocationContext location) : INotificationHandler<KegChangedNotification>
{
    private sealed record KegLevel(KegStatus Status, int RemainingVolumeMl, int NominalVolumeMl, Guid LocationId);

    private static readonly Func<TapRoomDbContext, Guid, CancellationToken, Task<KegLevel?>> KegQuery = HotQuery.Create(
        (TapRoomDbContext db, Guid id, CancellationToken _) => db.Kegs.AsNoTracking().Where(k => k.Id == id)
            .Select(k => new KegLevel(k.Status, k.RemainingVolumeMl, k.NominalVolumeMl, k.LocationId)).FirstOrDefault());

    public async Task Handle(KegChangedNotification notification, CancellationToken cancellationToken)
    {
        var keg = await KegQuery(db, notification.KegId, cancellationToken);
        if (keg is null || keg.Status != KegStatus.Connected) return;
        var policies = await location.PoliciesAsync(keg.LocationId, cancellationToken);
        if (!CheckKegThresholds.MayBeDue(keg.RemainingVolumeMl, keg.NominalVolumeMl, policies)) return;
        await mediator.Send(new CheckKegThresholds.Command(notification.KegId), cancellationToken);
    }
}

/// <summary>
/// The safety net: every connected keg, every <c>TapRoom:Jobs:KegThresholdSweepSeconds</c>. It decides with reads outside
/// the single writer whether any keg has a threshold to alert or a tap to take out of service, and only then runs the
/// check as a command (loading every keg, tap and alert inside a write transaction held every authorisation up for
/// ~90 ms at 500 kegs: docs/PERFORMANCE.md).
/// </summary>
public static class SweepKegThresholds
{
    public sealed record Command : IRequest<CheckKegThresholds.Result>;

    public sealed class Handler(TapRoomDbContext db, IMediator mediator, LocationContext location) : IRequestHandler<Command, CheckKegThresholds.Result>
    {
        public async Task<CheckKegThresholds.Result> Handle(Command request, CancellationToken ct)
        {
            var kegs = await db.Kegs.AsNoTracking().Where(k => k.Status == KegStatus.Connected)
                .Select(k => new { k.Id, k.RemainingVolumeMl, k.NominalVolumeMl, k.LocationId }).ToListAsync(ct);
            var policiesOf = new Dictionary<Guid, LocationPolicies>();
            foreach (var venue in kegs.Select(k => k.LocationId).Distinct()) policiesOf[venue] = await location.PoliciesAsync(venue, ct);
            var low = kegs.Where(k => CheckKegThresholds.MayBeDue(k.RemainingVolumeMl, k.NominalVolumeMl, policiesOf[k.LocationId])).ToList();
            if (low.Count == 0) return new CheckKegThresholds.Result(kegs.Count, [], []);
            var ids = low.Select(k => k.Id).ToList();
            var prior = (await db.Alerts.AsNoTracking()
                    .Where(a => a.Type == AlertTypes.KegLow && a.SubjectType == "keg" && ids.Contains(a.SubjectId))
                    .Select(a => new { a.SubjectId, a.Severity }).ToListAsync(ct))
                .GroupBy(a => a.SubjectId).ToDictionary(g => g.Key, g => (AlertSeverity?)g.Max(a => a.Severity));
            var activeTaps = await db.Taps.AsNoTracking().Where(t => t.KegId != null && ids.Contains(t.KegId.Value) && t.Status == TapStatus.Active)
                .Select(t => t.KegId!.Value).ToListAsync(ct);
            var due = low.Any(k => CheckKegThresholds.SeverityDue(k.RemainingVolumeMl, k.NominalVolumeMl, prior.GetValueOrDefault(k.Id), policiesOf[k.LocationId]) is not null
                || (k.RemainingVolumeMl == 0 && activeTaps.Contains(k.Id)));
            return due ? await mediator.Send(new CheckKegThresholds.Command(), ct) : new CheckKegThresholds.Result(kegs.Count, [], []);
        }
    }
}

public sealed class KegThresholdSweepJob(IMediator mediator, Hangfire.JobStorage storage, ILogger<KegThresholdSweepJob> logger)
    : CommandJob<CheckKegThresholds.Result>(mediator, storage, logger)
{
    protected override IRequest<CheckKegThresholds.Result> CreateCommand() => new SweepKegThresholds.Command();
}
