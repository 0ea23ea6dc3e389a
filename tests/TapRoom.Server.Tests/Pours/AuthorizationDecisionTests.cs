using TapRoom.Contracts;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Pours;

namespace TapRoom.Server.Tests.Pours;

/// <summary>
/// The authorisation rules as a pure function of a snapshot (no database): every deny reason, the order in which the
/// rules apply, and the maximum of an allow.
/// </summary>
public sealed class AuthorizationDecisionTests
{
    private static readonly Guid Controller = Guid.NewGuid();
    private static readonly Guid TapId = Guid.NewGuid();

    /// <summary>A presentation that is allowed: every case below changes one thing.</summary>
    private static AuthorizationSnapshot Allowed() => new(
        Controller,
        new TapFacts(TapId, "Tap 1", Controller, TapStatus.Active, new KegFacts(Guid.NewGuid(), KegStatus.Connected, 20_000, "Pilsner", 5m, 6m)),
        CardStatus.Active, CardOnLostList: false,
        new VisitFacts(Guid.NewGuid(), "Ada", GuestBlocked: false, IsMinor: false, ActiveTapId: null, VolumeLimitMl: 2000, PouredVolumeMl: 0),
        HolderTapName: null, TapServesAnotherVisit: false, ShiftOpen: true, new LocationPolicies(), Balance: 50m);

    private static AuthorizationSnapshot WithTap(Func<TapFacts, TapFacts> change) => Allowed() with { Tap = change(Allowed().Tap!) };
    private static AuthorizationSnapshot WithKeg(Func<KegFacts, KegFacts?> change) => WithTap(t => t with { Keg = change(t.Keg!) });
    private static AuthorizationSnapshot WithVisit(Func<VisitFacts, VisitFacts> change) => Allowed() with { Visit = change(Allowed().Visit!) };

    public static TheoryData<string, AuthorizationSnapshot, DenyReason, string> Denials() => new()
    {
        { "unknown tap", Allowed() with { Tap = null }, DenyReason.TapNotAssigned, "not assigned" },
        { "another controller's tap", WithTap(t => t with { ControllerId = Guid.NewGuid() }), DenyReason.TapNotAssigned, "not assigned" },
        { "tap of no controller", WithTap(t => t with { ControllerId = null }), DenyReason.TapNotAssigned, "not assigned" },
        { "card on the lost list", Allowed() with { CardOnLostList = true }, DenyReason.CardLost, "reported lost" },
        { "card marked lost", Allowed() with { Card = CardStatus.Lost }, DenyReason.CardLost, "reported lost" },
        { "unknown card on the lost list", Allowed() with { Card = null, CardOnLostList = true, Visit = null }, DenyReason.CardLost, "reported lost" },
        { "unknown card", Allowed() with { Card = null, Visit = null }, DenyReason.UnknownCard, "Unknown card" },
        { "inactive card", Allowed() with { Card = CardStatus.Inactive }, DenyReason.CardInactive, "not active" },
        { "no open visit", Allowed() with { Visit = null }, DenyReason.NoActiveVisit, "No open visit" },
        { "a visit open at another venue", WithVisit(v => v with { LocationId = Guid.NewGuid(), LocationName = "Taproom Hafen" }), DenyReason.WrongVenue, "open at Taproom Hafen" },
        { "blocked guest", WithVisit(v => v with { GuestBlocked = true }), DenyReason.GuestBlocked, "blocked" },
        { "card pouring elsewhere", WithVisit(v => v with { ActiveTapId = Guid.NewGuid() }) with { HolderTapName = "Tap 7" }, DenyReason.CardInUse, "in use on Tap 7" },
        { "locked tap", WithTap(t => t with { Status = TapStatus.Locked }), DenyReason.TapNotActive, "(locked)" },
        { "tap being cleaned", WithTap(t => t with { Status = TapStatus.Cleaning }), DenyReason.TapNotActive, "(cleaning)" },
        { "tap waiting for a sync", WithTap(t => t with { Status = TapStatus.ProcessingSync }), DenyReason.TapNotActive, "(processing_sync)" },
        { "tap serving another visit", Allowed() with { TapServesAnotherVisit = true }, DenyReason.TapNotActive, "serving another pour" },
        { "tap out of keg", WithTap(t => t with { Status = TapStatus.OutOfKeg }), DenyReason.OutOfKeg, "out of beer" },
        { "no keg", WithKeg(_ => null), DenyReason.OutOfKeg, "out of beer" },
        { "keg not connected", WithKeg(k => k with { Status = KegStatus.Empty }), DenyReason.OutOfKeg, "out of beer" },
        { "keg drained", WithKeg(k => k with { RemainingVolumeMl = 0 }), DenyReason.OutOfKeg, "out of beer" },
        { "no open shift", Allowed() with { ShiftOpen = false }, DenyReason.NoOpenShift, "No shift is open" },
        { "minor at an alcoholic tap", WithVisit(v => v with { IsMinor = true }), DenyReason.AgeRestricted, "Pilsner is alcoholic" },
        { "visit limit reached", WithVisit(v => v with { PouredVolumeMl = 2000 }), DenyReason.VisitLimitReached, "limit of 2000 ml" },
        { "visit limit of the policy reached", WithVisit(v => v with { VolumeLimitMl = 0, PouredVolumeMl = 2000 }), DenyReason.VisitLimitReached, "limit of 2000 ml" },
        { "balance below the minimum", Allowed() with { Balance = 0.29m }, DenyReason.InsufficientBalance, "Balance 0.29 is too low" },
        { "no money at all", Allowed() with { Balance = 0m }, DenyReason.InsufficientBalance, "too low" },
        // The order of the rules: the earlier rule decides when several would deny.
        { "lost beats inactive", Allowed() with { Card = CardStatus.Lost, Visit = null }, DenyReason.CardLost, "reported lost" },
        { "blocked beats in use", WithVisit(v => v with { GuestBlocked = true, ActiveTapId = Guid.NewGuid() }), DenyReason.GuestBlocked, "blocked" },
        { "in use beats a locked tap", WithVisit(v => v with { ActiveTapId = Guid.NewGuid() }) with { Tap = Allowed().Tap! with { Status = TapStatus.Locked } }, DenyReason.CardInUse, "another tap" },
        { "out of keg beats no shift", WithKeg(_ => null) with { ShiftOpen = false }, DenyReason.OutOfKeg, "out of beer" },
        { "age beats the limit", WithVisit(v => v with { IsMinor = true, PouredVolumeMl = 5000 }), DenyReason.AgeRestricted, "alcoholic" },
    };

    [Theory]
    [MemberData(nameof(Denials))]
    public void Every_deny_reason_follows_from_the_snapshot(string situation, AuthorizationSnapshot snapshot, DenyReason reason, string message)
    {
        var deny = Assert.IsType<AuthorizationDecision.Deny>(AuthorizationDecision.Decide(snapshot));
        Assert.True(deny.Reason == reason, $"{situation}: {deny.Reason} ({deny.Message})");
        Assert.Contains(message, deny.Message);
    }

    [Fact]
    public void Every_deny_reason_of_the_contract_is_covered_by_the_table()
    {
        var covered = Denials().Select(row => (DenyReason)row[2]).ToHashSet();
        // server_busy is not a rule of the decision: the hub answers it when the command's retries ran out (PourRaceTests).
        Assert.Equal(Enum.GetValues<DenyReason>().Where(r => r != DenyReason.ServerBusy).ToHashSet(), covered);
    }

    public static TheoryData<string, AuthorizationSnapshot, int> Allows() => new()
    {
        { "the per-pour cap", Allowed(), 1000 },
        { "what is left in the keg", WithKeg(k => k with { RemainingVolumeMl = 300 }), 300 },
        { "what is left of the visit's limit", WithVisit(v => v with { PouredVolumeMl = 1750 }), 250 },
        { "what the balance pays for (2.40 at 6.00/l)", Allowed() with { Balance = 2.40m }, 400 },
        { "a minor at a non-alcoholic tap", WithKeg(k => k with { Abv = 0.5m }) with { Visit = Allowed().Visit! with { IsMinor = true } }, 1000 },
        { "no shift needed by the policy", Allowed() with { ShiftOpen = false, Policies = new LocationPolicies { PouringRequiresOpenShift = false } }, 1000 },
    };

    [Theory]
    [MemberData(nameof(Allows))]
    public void An_allow_gets_the_smallest_of_cap_keg_limit_and_balance(string situation, AuthorizationSnapshot snapshot, int maxVolumeMl)
    {
        var allow = Assert.IsType<AuthorizationDecision.Allow>(AuthorizationDecision.Decide(snapshot));
        Assert.True(allow.MaxVolumeMl == maxVolumeMl, $"{situation}: {allow.MaxVolumeMl} ml");
    }
}
