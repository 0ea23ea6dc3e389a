using MediatR;
using TapRoom.Contracts;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Pours;

/// <summary>
/// Live progress of a pour (about 4 a second per tap). Every sane report is pushed to staff (coalesced per pour,
/// <see cref="Dashboard.DashboardPushQueue"/>). It never touches the database on its way in: the open pour is looked up
/// in <see cref="OpenPours"/>, which writes the last volume in the background (ADR 0035). This is telemetry, not a
/// change of state that needs an audit event, so it is a plain request outside the command transaction. Reports that
/// cannot be right (unknown or finished session, another controller's, negative, absurd or going backwards) are
/// dropped and logged.
/// </summary>
public static class ReportPourProgress
{
    public sealed record Request(Guid ControllerId, PourProgressMessage Message) : IRequest<bool>;

    public sealed class Handler(OpenPours openPours, IMediator mediator, TimeProvider time, ILogger<Handler> log)
        : IRequestHandler<Request, bool>
    {
        public async Task<bool> Handle(Request request, CancellationToken ct)
        {
            var m = request.Message;
            var now = time.GetUtcNow().UtcDateTime;
            if (m is null || m.PourSessionId == Guid.Empty) return Drop("empty message");
            if (m.VolumeMl < 0 || m.VolumeMl > CompletePour.AbsurdVolumeMl) return Drop("volume out of range");
            var (outcome, pour) = await openPours.ReportAsync(request.ControllerId, m.PourSessionId, m.VolumeMl, now, ct);
            switch (outcome)
            {
                case OpenPours.Outcome.Unknown: return Drop("unknown or finished session");
                case OpenPours.Outcome.NotYours: return Drop("unknown session");
                case OpenPours.Outcome.Backwards: return Drop("volume out of range");
            }
            await mediator.Publish(new PourProgressNotification(m.PourSessionId, pour!.TapId, pour.VisitId, m.VolumeMl, now), ct);
            return true;

            bool Drop(string why)
            {
                log.LogInformation("Pour progress from controller {ControllerId} dropped: {Reason}", request.ControllerId, why);
                return false;
            }
        }
    }
}
