using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
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
            var policies = await location.PoliciesAsync(cancellationToken);
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
                var tap = taps.FirstOrDefault(t => t.KegId == keg.Id);
                var where = tap is null ? "" : $" on tap {tap.Number} ({tap.Name})";
                var percent = keg.NominalVolumeMl == 0 ? 0 : keg.RemainingVolumeMl * 100m / keg.NominalVolumeMl;
                var message = $"Keg of {keg.BeerType!.Name}{where} is at {keg.RemainingVolumeMl} ml ({percent:0.#} %).";
                AlertSeverity? prior = alerted.TryGetValue(keg.Id, out var s) ? s : null;
                AlertSeverity? severity = null;
                if (Below(keg.RemainingVolumeMl, keg.NominalVolumeMl, policies.KegCriticalPercent) && prior is not AlertSeverity.Critical)
                    severity = AlertSeverity.Critical;
                else if (Below(keg.RemainingVolumeMl, keg.NominalVolumeMl, policies.KegWarningPercent) && prior is null)
                    severity = AlertSeverity.Warning;
                if (severity is { } sev && await alerts.RaiseAsync(AlertTypes.KegLow, sev, "keg", keg.Id, message, cancellationToken) is not null)
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

        private static bool Below(int remainingMl, int nominalMl, int percent) => remainingMl * 100L < (long)nominalMl * percent;
    }
}

/// <summary>
/// Keg thresholds right after the change that drained a keg (a pour, a flush), once it is committed. A keg still above
/// the warning threshold cannot cross anything, so that (most pours) is decided with one read and no write command: the
/// completion that triggered it is not held up by another commit (docs/PERFORMANCE.md).
/// </summary>
public sealed class CheckKegThresholdsOnKegChanged(IMediator mediator, TapRoomDbContext db, LocationContext location) : INotificationHandler<KegChangedNotification>
{
    public async Task Handle(KegChangedNotification notification, CancellationToken cancellationToken)
    {
        var keg = await db.Kegs.AsNoTracking().Where(k => k.Id == notification.KegId)
            .Select(k => new { k.Status, k.RemainingVolumeMl, k.NominalVolumeMl }).FirstOrDefaultAsync(cancellationToken);
        var policies = await location.PoliciesAsync(cancellationToken);
        if (keg is null || keg.Status != KegStatus.Connected) return;
        if (keg.RemainingVolumeMl > 0 && keg.RemainingVolumeMl * 100L >= (long)keg.NominalVolumeMl * Math.Max(policies.KegWarningPercent, policies.KegCriticalPercent)) return;
        await mediator.Send(new CheckKegThresholds.Command(notification.KegId), cancellationToken);
    }
}

/// <summary>The safety net: every connected keg, every <c>TapRoom:Jobs:KegThresholdSweepSeconds</c>.</summary>
public sealed class KegThresholdSweepJob(IMediator mediator, Hangfire.JobStorage storage, ILogger<KegThresholdSweepJob> logger)
    : CommandJob<CheckKegThresholds.Result>(mediator, storage, logger)
{
    protected override IRequest<CheckKegThresholds.Result> CreateCommand() => new CheckKegThresholds.Command();
}
