using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Visits;

/// <summary>
/// Closing time: a manager closes every active visit at once, each one exactly as <see cref="CloseVisit"/> does (its
/// remaining balance refunded, its card freed, its own audit events). A visit with a pour in flight or one waiting for
/// its sync is skipped and named, never closed under a pour. Runs in one transaction (holding the write lock, so no
/// pour is authorised half-way) and is idempotent under the manager's key: a retry returns the first result.
/// </summary>
public static class CloseAllVisits
{
    public const string Operation = "close-all-visits";

    public sealed record Command(string IdempotencyKey, string? Reason, PaymentMethod? PaymentMethod) : ICommand<CloseAllVisitsResult>;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(x => x.IdempotencyKey).NotEmpty().MaximumLength(100);
            RuleFor(x => x.Reason).MaximumLength(500);
            RuleFor(x => x.PaymentMethod).IsInEnum();
        }
    }

    private static readonly JsonSerializerOptions Json = TapRoomJson.CreateOptions();

    public sealed class Handler(TapRoomDbContext db, IMediator mediator, LocationContext location, TimeProvider time)
        : IRequestHandler<Command, CloseAllVisitsResult>
    {
        public async Task<CloseAllVisitsResult> Handle(Command request, CancellationToken ct)
        {
            var key = $"{Operation}:{request.IdempotencyKey.Trim()}";
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{request.Reason?.Trim()}|{request.PaymentMethod}")));
            var previous = await db.IdempotencyRecords.AsNoTracking().FirstOrDefaultAsync(r => r.Key == key, ct);
            if (previous is not null)
            {
                if (previous.RequestHash != hash)
                    throw new DomainException("idempotency_key_reused", "This idempotency key was already used for another request; use a new key.");
                return JsonSerializer.Deserialize<CloseAllVisitsResult>(previous.ResultJson, Json)!;
            }

            var venue = await location.GetAsync(ct);
            var lines = await CloseAllPreview.LinesAsync(db, venue.Id, ct);
            var closed = new List<CloseAllVisitLine>();
            var skipped = new List<CloseAllVisitLine>();
            var reason = string.IsNullOrWhiteSpace(request.Reason) ? "Closing time: all visits closed" : request.Reason.Trim();
            // Every active visit is tried: CloseVisit decides under the visit's row lock, whereas the preview's reads are
            // two statements that a pour may fall between (READ COMMITTED).
            foreach (var line in lines)
            {
                try
                {
                    // Runs inside this command's transaction (the pipeline does not open a second one).
                    var result = await mediator.Send(new CloseVisit.Command(line.VisitId, reason, true, request.PaymentMethod), ct);
                    closed.Add(line with { Refund = result.RefundedAmount });
                }
                catch (DomainException ex) when (ex.Code is "visit_pouring" or "visit_has_pending_sync" or "visit_closed")
                {
                    // The preview's wording when it saw the same; a pour that started since is described as it is now.
                    var current = line.SkipReason == ex.Code ? line
                        : (await CloseAllPreview.LinesAsync(db, venue.Id, ct)).FirstOrDefault(l => l.VisitId == line.VisitId && l.SkipReason == ex.Code);
                    skipped.Add(current ?? line with { SkipReason = ex.Code, SkipMessage = ex.Message });
                }
            }

            var now = time.GetUtcNow().UtcDateTime;
            var outcome = new CloseAllVisitsResult(closed.Count, closed.Sum(c => c.Refund), venue.Currency, closed, skipped, now);
            db.IdempotencyRecords.Add(new IdempotencyRecord { Key = key, RequestHash = hash, ResultJson = JsonSerializer.Serialize(outcome, Json), CreatedAt = now });
            return outcome;
        }
    }
}

/// <summary>The summary a manager sees before "close all visits": per guest, the refund and whether it is skipped.</summary>
public static class CloseAllPreview
{
    public sealed record Query : IQuery<CloseAllVisitsPreviewDto>;

    public sealed class Handler(TapRoomDbContext db, LocationContext location) : IRequestHandler<Query, CloseAllVisitsPreviewDto>
    {
        public async Task<CloseAllVisitsPreviewDto> Handle(Query request, CancellationToken ct)
        {
            var venue = await location.GetAsync(ct);
            var lines = await LinesAsync(db, venue.Id, ct);
            var closing = lines.Where(l => l.SkipReason is null).ToList();
            return new CloseAllVisitsPreviewDto(closing.Count, closing.Sum(l => l.Refund), venue.Currency, lines);
        }
    }

    /// <summary>Every active visit of the venue, guests by name; a visit holding a tap or with an unsynced pour is marked skipped.</summary>
    public static async Task<List<CloseAllVisitLine>> LinesAsync(TapRoomDbContext db, Guid locationId, CancellationToken ct)
    {
        var visits = await db.Visits.AsNoTracking().Where(v => v.Status == VisitStatus.Active && v.LocationId == locationId)
            .Select(v => new { v.Id, GuestName = v.Guest!.Name, CardUid = v.Card != null ? v.Card.Uid : null, v.ActiveTapId, v.ActivePourSessionId, v.Balance })
            .ToListAsync(ct);
        var ids = visits.Select(v => v.Id).ToList();
        var pending = (await db.PourSessions.AsNoTracking().Where(p => ids.Contains(p.VisitId) && p.SyncStatus == SyncStatus.PendingSync)
            .Select(p => new { p.Id, p.VisitId, p.TapId, p.TimedOutAt }).ToListAsync(ct));
        var tapNames = await db.Taps.AsNoTracking().Where(t => t.LocationId == locationId).ToDictionaryAsync(t => t.Id, t => t.Name, ct);

        return visits.Select(v =>
        {
            var refund = Math.Max(0m, v.Balance);
            var inFlight = pending.FirstOrDefault(p => p.Id == v.ActivePourSessionId && p.TimedOutAt == null);
            var unsynced = pending.FirstOrDefault(p => p.VisitId == v.Id);
            if (inFlight is not null)
                return new CloseAllVisitLine(v.Id, v.GuestName, v.CardUid, refund, "visit_pouring",
                    $"{v.GuestName} is pouring on {tapNames.GetValueOrDefault(inFlight.TapId, "a tap")}; close this visit when the pour is done.");
            if (unsynced is not null)
                return new CloseAllVisitLine(v.Id, v.GuestName, v.CardUid, refund, "visit_has_pending_sync",
                    $"{v.GuestName} has a pour on {tapNames.GetValueOrDefault(unsynced.TapId, "a tap")} waiting for its sync; a manager reconciles it first.");
            return new CloseAllVisitLine(v.Id, v.GuestName, v.CardUid, refund, null, null);
        }).OrderBy(l => l.GuestName, StringComparer.CurrentCultureIgnoreCase).ToList();
    }
}
