using TapRoom.Contracts;
using TapRoom.Server.Domain;

namespace TapRoom.Server.Features.Pours;

/// <summary>What the authorisation of one presentation knows about its tap, with the keg on it.</summary>
public sealed record TapFacts(Guid Id, string Name, Guid? ControllerId, TapStatus Status, KegFacts? Keg, Guid LocationId = default);

public sealed record KegFacts(Guid Id, KegStatus Status, int RemainingVolumeMl, string BeerName, decimal Abv, decimal PricePerLiter)
{
    public bool IsNonAlcoholic => Abv <= 0.5m;
}

/// <param name="Balance">The visit's stored balance (ADR 0065); the snapshot's <c>Balance</c> is what the decision uses.</param>
/// <param name="LocationId">The venue the visit is open at; it pours only at that venue's taps.</param>
public sealed record VisitFacts(Guid Id, string GuestName, bool GuestBlocked, bool IsMinor, Guid? ActiveTapId, int VolumeLimitMl, int PouredVolumeMl,
    decimal Balance = 0m, Guid LocationId = default, string? LocationName = null);

/// <summary>
/// Everything an authorisation looks at, read once by <see cref="AuthorizePour.Handler"/>: the tap (and its keg), the
/// card (<c>null</c>: unknown), whether it is on the lost list, the card's active visit, the name of the tap holding
/// that visit's lock, whether another visit holds this tap, whether a shift is open, the policies and the balance.
/// </summary>
public sealed record AuthorizationSnapshot(
    Guid ControllerId,
    TapFacts? Tap,
    CardStatus? Card,
    bool CardOnLostList,
    VisitFacts? Visit,
    string? HolderTapName,
    bool TapServesAnotherVisit,
    bool ShiftOpen,
    LocationPolicies Policies,
    decimal Balance);

/// <summary>Allow with a maximum volume, or deny with a reason; <see cref="Deny.NamesVisit"/>: the answer names the guest.</summary>
public abstract record AuthorizationDecision
{
    public sealed record Allow(int MaxVolumeMl) : AuthorizationDecision;

    public sealed record Deny(DenyReason Reason, string Message, bool NamesVisit = true, bool ShowsBalance = false) : AuthorizationDecision;

    /// <summary>
    /// The rules of PRODUCT.md, in their order, as a pure function of the snapshot: no database, no clock, no side
    /// effect. The handler applies the result (audit, lost-card alert, the lock taken with a conditional UPDATE).
    /// </summary>
    public static AuthorizationDecision Decide(AuthorizationSnapshot s)
    {
        var tap = s.Tap;
        if (tap is null || tap.ControllerId != s.ControllerId)
            return new Deny(DenyReason.TapNotAssigned, "This controller is not assigned to that tap.", NamesVisit: false);
        if (s.CardOnLostList || s.Card == CardStatus.Lost)
            return new Deny(DenyReason.CardLost, "This card was reported lost. Please see the staff.", NamesVisit: false);
        if (s.Card is null) return new Deny(DenyReason.UnknownCard, "Unknown card.", NamesVisit: false);
        if (s.Card != CardStatus.Active) return new Deny(DenyReason.CardInactive, "This card is not active.", NamesVisit: false);

        var visit = s.Visit;
        if (visit is null) return new Deny(DenyReason.NoActiveVisit, "No open visit for this card.", NamesVisit: false);
        if (visit.LocationId != tap.LocationId)
            return new Deny(DenyReason.WrongVenue, $"This card's visit is open at {visit.LocationName ?? "another venue"}; it pours only there.", NamesVisit: false);
        if (visit.GuestBlocked) return new Deny(DenyReason.GuestBlocked, "This guest is blocked. Please see the staff.");
        if (visit.ActiveTapId is not null) return new Deny(DenyReason.CardInUse, $"Card already in use on {s.HolderTapName ?? "another tap"}.");

        if (tap.Status is TapStatus.Locked or TapStatus.Cleaning or TapStatus.ProcessingSync)
            return new Deny(DenyReason.TapNotActive, $"{tap.Name} is not available ({TapRoomJson.EnumValue(tap.Status)}).");
        var keg = tap.Keg;
        if (tap.Status == TapStatus.OutOfKeg || keg is null || keg.Status != KegStatus.Connected || keg.RemainingVolumeMl <= 0)
            return new Deny(DenyReason.OutOfKeg, $"{tap.Name} is out of beer.");
        if (s.TapServesAnotherVisit) return new Deny(DenyReason.TapNotActive, $"{tap.Name} is serving another pour.");

        var policies = s.Policies;
        if (policies.PouringRequiresOpenShift && !s.ShiftOpen) return new Deny(DenyReason.NoOpenShift, "No shift is open; pouring is paused.");
        if (visit.IsMinor && !keg.IsNonAlcoholic)
            return new Deny(DenyReason.AgeRestricted, $"{keg.BeerName} is alcoholic; this visit may pour only non-alcoholic beer.");

        var limit = visit.VolumeLimitMl > 0 ? visit.VolumeLimitMl : policies.VisitVolumeLimitMl;
        var volumeLeft = limit - visit.PouredVolumeMl;
        if (volumeLeft <= 0) return new Deny(DenyReason.VisitLimitReached, $"The visit's limit of {limit} ml is reached.");

        var affordable = Money.VolumeAffordable(keg.PricePerLiter, s.Balance);
        if (s.Balance < Money.PriceOf(keg.PricePerLiter, policies.MinimumBalanceVolumeMl) || affordable <= 0)
            return new Deny(DenyReason.InsufficientBalance, $"Balance {s.Balance:0.00} is too low; please top up.", ShowsBalance: true);

        return new Allow(new[] { policies.PerPourCapMl, keg.RemainingVolumeMl, volumeLeft, affordable }.Min());
    }
}
