using TapRoom.Contracts;
using TapRoom.ControllerAgent.Pouring;

namespace TapRoom.ControllerAgent.Tests.Pouring;

public sealed class TapPourMachineTests
{
    private const string Card = "04A1B2C3";
    private static readonly Guid TapId = Guid.NewGuid();
    private static readonly ControllerTapConfig ActiveTap = new(TapId, "Tap 1", TapStatus.Active, PulsesPerLiter: 450, MaxPourMl: 1000, FlowIdleTimeoutMs: 8000);
    private DateTime _now = new(2026, 11, 21, 18, 0, 0, DateTimeKind.Utc);
    private long _pulses;

    private static AuthorizeResult Allow(Guid session, int maxMl) => new(true, session, maxMl, null, "Enjoy", "Ann", 20m);

    private static TapPourMachine Machine(PourSettings? settings = null)
    {
        var m = new TapPourMachine(settings ?? new PourSettings());
        m.Configure(ActiveTap);
        m.LinkChanged(true);
        m.MeterBaseline(0);
        return m;
    }

    private IReadOnlyList<PourCommand> Pulse(TapPourMachine m, int n = 1)
    {
        var all = new List<PourCommand>();
        for (var i = 0; i < n; i++) all.AddRange(m.MeterCount(++_pulses, _now));
        return all;
    }

    private Guid Authorised(TapPourMachine m, Guid session, int maxMl = 1000)
    {
        var ask = Assert.IsType<AskAuthorize>(Assert.Single(m.CardPresented(Card, _now)));
        var opened = m.AuthorizeAnswered(ask.Request.RequestId, Allow(session, maxMl), _now);
        Assert.Equal([typeof(JournalStart), typeof(OpenValve)], opened.Select(c => c.GetType()));
        return session;
    }

    [Fact]
    public void A_server_busy_answer_is_asked_once_more_for_the_same_presentation_and_then_shown()
    {
        var m = Machine();
        var ask = Assert.IsType<AskAuthorize>(Assert.Single(m.CardPresented(Card, _now)));
        var busy = new AuthorizeResult(false, null, null, DenyReason.ServerBusy, "The server is busy; please try again.", null, null);

        // Once: the same request again (idempotent on the server), the valve stays shut.
        var again = Assert.IsType<AskAuthorize>(Assert.Single(m.AuthorizeAnswered(ask.Request.RequestId, busy, _now)));
        Assert.Equal(ask.Request, again.Request);
        Assert.Equal(PourState.Authorising, m.State);

        // Twice: shown to the guest, who may present the card again.
        var shown = Assert.IsType<ShowDenied>(Assert.Single(m.AuthorizeAnswered(ask.Request.RequestId, busy, _now)));
        Assert.Equal((DenyReason.ServerBusy, "The server is busy; please try again."), (shown.Reason, shown.Message));
        Assert.Null(m.PourSessionId);

        // A new presentation gets its own one retry, and an allow on it opens as usual.
        m.CardRemoved(_now);
        _now = _now.AddSeconds(5);
        var next = Assert.IsType<AskAuthorize>(Assert.Single(m.CardPresented(Card, _now)));
        Assert.IsType<AskAuthorize>(Assert.Single(m.AuthorizeAnswered(next.Request.RequestId, busy, _now)));
        var opened = m.AuthorizeAnswered(next.Request.RequestId, Allow(Guid.NewGuid(), 500), _now);
        Assert.Equal([typeof(JournalStart), typeof(OpenValve)], opened.Select(c => c.GetType()));
    }

    [Fact]
    public void A_meter_count_delivered_out_of_order_is_not_counted_again()
    {
        var m = Machine();
        var session = Authorised(m, Guid.NewGuid(), maxMl: 1000);
        Assert.Empty(m.MeterCount(100, _now));
        Assert.Empty(m.MeterCount(99, _now)); // a late event from another thread: already counted in 100
        Assert.Empty(m.MeterCount(101, _now));
        Assert.Equal(FlowCalibration.Millilitres(101, 450), m.VolumeMl);
        Assert.Equal(session, m.PourSessionId);
    }

    [Fact]
    public void A_full_pour_asks_opens_after_the_journal_streams_progress_four_times_a_second_and_completes_on_removal()
    {
        var m = Machine();
        var ask = Assert.IsType<AskAuthorize>(Assert.Single(m.CardPresented("04:a1:b2:c3", _now)));
        Assert.Equal((TapId, Card), (ask.Request.TapId, ask.Request.CardUid));
        Assert.Equal(PourState.Authorising, m.State);

        var session = Guid.NewGuid();
        var opened = m.AuthorizeAnswered(ask.Request.RequestId, Allow(session, 500), _now);
        var start = Assert.IsType<JournalStart>(opened[0]);
        Assert.Equal((session, TapId, 500, 450), (start.PourSessionId, start.TapId, start.MaxVolumeMl, start.PulsesPerLiter));
        Assert.IsType<OpenValve>(opened[1]);
        Assert.Equal(PourState.Pouring, m.State);

        var commands = new List<PourCommand>();
        for (var i = 0; i < 40; i++) // 2 s at 50 ms ticks, ~27 pulses/s
        {
            _now = _now.AddMilliseconds(50);
            if (i % 3 != 2) commands.AddRange(Pulse(m));
            commands.AddRange(m.Tick(_now));
        }
        var progress = commands.OfType<SendProgress>().ToList();
        Assert.InRange(progress.Count, 7, 9);
        Assert.True(progress.Zip(progress.Skip(1)).All(p => p.Second.Message.VolumeMl >= p.First.Message.VolumeMl));
        Assert.Equal(2, commands.OfType<JournalCheckpoint>().Count());

        var closing = m.CardRemoved(_now);
        Assert.Equal(EndReasons.CardRemoved, Assert.IsType<CloseValve>(Assert.Single(closing)).Reason);
        Assert.Equal(PourState.Completing, m.State);
        Pulse(m, 2); // the line drains after the valve closed: still this pour
        _now = _now.AddMilliseconds(400);
        var done = m.Tick(_now);
        var finish = Assert.IsType<JournalFinish>(done[0]);
        var complete = Assert.IsType<SendComplete>(done[1]).Request;
        var expectedMl = FlowCalibration.Millilitres(_pulses, 450);
        Assert.Equal((session, expectedMl, _pulses), (finish.PourSessionId, finish.VolumeMl, finish.Pulses));
        Assert.Equal((session, TapId, expectedMl), (complete.PourSessionId, complete.TapId, complete.VolumeMl));
        Assert.True(complete.EndedAt > complete.StartedAt);
        Assert.Equal(PourState.Idle, m.State);
    }

    [Fact]
    public void The_valve_closes_on_the_pulse_that_reaches_the_maximum_and_the_overshoot_is_not_charged()
    {
        var m = Machine(new PourSettings { SettleMs = 0 });
        Authorised(m, Guid.NewGuid(), maxMl: 100);
        var maxPulses = FlowCalibration.PulsesFor(100, 450); // 45 pulses = 100 ml
        for (var i = 1; i < maxPulses; i++) Assert.Empty(Pulse(m));
        var last = Pulse(m);
        Assert.Equal(EndReasons.MaxVolume, Assert.IsType<CloseValve>(last[0]).Reason);
        Assert.Equal(100, Assert.IsType<SendComplete>(last.Last()).Request.VolumeMl);

        // An odd calibration: one pulse is 2.2 ml, the pulse that reaches 10 ml closes the valve at 11 ml measured.
        var odd = new TapPourMachine(new PourSettings { SettleMs = 0 });
        odd.Configure(ActiveTap with { PulsesPerLiter = 455 });
        odd.LinkChanged(true);
        odd.MeterBaseline(_pulses);
        var ask = Assert.IsType<AskAuthorize>(Assert.Single(odd.CardPresented(Card, _now)));
        odd.AuthorizeAnswered(ask.Request.RequestId, Allow(Guid.NewGuid(), 10), _now);
        var closedAt = 0;
        for (var i = 1; i <= 10 && closedAt == 0; i++)
            if (Pulse(odd).OfType<CloseValve>().Any()) closedAt = i;
        Assert.Equal(5, closedAt); // 4 pulses = 8 ml, 5 pulses = 10 ml
        Assert.True(FlowCalibration.Millilitres(closedAt - 1, 455) < 10);
    }

    [Fact]
    public void A_denied_card_never_opens_the_valve_and_is_not_asked_again_while_it_stays()
    {
        var m = Machine();
        var ask = Assert.IsType<AskAuthorize>(Assert.Single(m.CardPresented(Card, _now)));
        var denied = m.AuthorizeAnswered(ask.Request.RequestId,
            new AuthorizeResult(false, null, null, DenyReason.InsufficientBalance, "Top up first", "Ann", 0.5m), _now);
        var show = Assert.IsType<ShowDenied>(Assert.Single(denied));
        Assert.Equal(DenyReason.InsufficientBalance, show.Reason);
        Assert.Equal(PourState.Denied, m.State);
        Assert.Empty(m.CardPresented(Card, _now.AddSeconds(5)));
        Assert.Empty(Pulse(m, 3)); // a little noise at a closed valve is no pour and no leak
        Assert.DoesNotContain(m.Tick(_now.AddSeconds(6)), c => c is OpenValve);
        Assert.Empty(m.CardRemoved(_now.AddSeconds(7)));
        Assert.Equal(PourState.Idle, m.State);
    }

    [Fact]
    public void Repeated_reads_of_one_card_within_the_debounce_window_make_one_authorisation()
    {
        var m = Machine(new PourSettings { CardDebounceMs = 1500, SettleMs = 0 });
        var commands = new List<PourCommand>();
        commands.AddRange(m.CardPresented(Card, _now));
        commands.AddRange(m.CardPresented(Card, _now.AddMilliseconds(100)));
        commands.AddRange(m.CardRemoved(_now.AddMilliseconds(200)));
        commands.AddRange(m.CardPresented(Card, _now.AddMilliseconds(300)));
        var ask = Assert.IsType<AskAuthorize>(Assert.Single(commands));
        m.AuthorizeAnswered(ask.Request.RequestId, Allow(Guid.NewGuid(), 500), _now.AddMilliseconds(350));
        Assert.Equal(PourState.Pouring, m.State);

        // The pour ends on removal; the reader flickers the same card back within the window: no second authorisation.
        m.CardRemoved(_now.AddSeconds(2));
        Assert.Empty(m.CardPresented(Card, _now.AddSeconds(2.5)).OfType<AskAuthorize>());
        m.CardRemoved(_now.AddSeconds(2.6));
        // After the window, a new presentation is a new pour.
        Assert.IsType<AskAuthorize>(Assert.Single(m.CardPresented(Card, _now.AddSeconds(5))));
    }

    [Fact]
    public void StopPour_closes_the_valve_of_that_session_only()
    {
        var m = Machine(new PourSettings { SettleMs = 0 });
        var session = Authorised(m, Guid.NewGuid());
        Pulse(m, 30);
        Assert.Empty(m.StopPour(Guid.NewGuid(), _now));
        var stop = m.StopPour(session, _now);
        Assert.Equal(EndReasons.StopPour, Assert.IsType<CloseValve>(stop[0]).Reason);
        Assert.Equal(EndReasons.StopPour, Assert.IsType<JournalFinish>(stop[1]).Reason);
        Assert.IsType<SendComplete>(stop[2]);
        Assert.Equal(PourState.Stopped, m.State);
        Assert.Empty(m.CardPresented(Card, _now.AddSeconds(10))); // the card is still there: no new pour until it is removed
    }

    [Fact]
    public void The_flow_idle_timeout_from_the_server_closes_the_valve()
    {
        var m = new TapPourMachine(new PourSettings { SettleMs = 0 });
        m.Configure(ActiveTap with { FlowIdleTimeoutMs = 2000 });
        m.LinkChanged(true);
        m.MeterBaseline(0);
        Authorised(m, Guid.NewGuid());
        Pulse(m, 5);
        Assert.DoesNotContain(m.Tick(_now.AddMilliseconds(1900)), c => c is CloseValve);
        var idle = m.Tick(_now.AddMilliseconds(2000));
        Assert.Equal(EndReasons.FlowIdle, Assert.IsType<CloseValve>(idle[0]).Reason);
    }

    [Fact]
    public void Without_the_server_nothing_is_authorised_fail_closed()
    {
        var down = Machine();
        down.LinkChanged(false);
        var denied = down.CardPresented(Card, _now);
        Assert.IsType<ShowDenied>(Assert.Single(denied));
        Assert.Equal(PourState.Denied, down.State);

        // The link is up but Authorize fails or never answers: deny locally; a late allow is released, never poured.
        var m = Machine();
        var ask = Assert.IsType<AskAuthorize>(Assert.Single(m.CardPresented(Card, _now)));
        Assert.IsType<ShowDenied>(Assert.Single(m.AuthorizeFailed(ask.Request.RequestId, _now)));
        m.CardRemoved(_now);

        var slow = Machine(new PourSettings { AuthorizeTimeoutMs = 3000 });
        var slowAsk = Assert.IsType<AskAuthorize>(Assert.Single(slow.CardPresented(Card, _now)));
        Assert.Empty(slow.Tick(_now.AddMilliseconds(2900)));
        Assert.IsType<ShowDenied>(Assert.Single(slow.Tick(_now.AddMilliseconds(3000))));
        var session = Guid.NewGuid();
        var late = slow.AuthorizeAnswered(slowAsk.Request.RequestId, Allow(session, 500), _now.AddSeconds(4));
        Assert.DoesNotContain(late, c => c is OpenValve);
        Assert.Equal(0, Assert.IsType<SendComplete>(late.Last()).Request.VolumeMl);
        Assert.Equal(PourState.Denied, slow.State);

        // Not configured by the server yet (no Hello): deny too.
        var fresh = new TapPourMachine(new PourSettings());
        fresh.LinkChanged(true);
        Assert.IsType<ShowDenied>(Assert.Single(fresh.CardPresented(Card, _now)));
    }

    [Theory]
    [InlineData(TapStatus.Locked)]
    [InlineData(TapStatus.Cleaning)]
    [InlineData(TapStatus.ProcessingSync)]
    [InlineData(TapStatus.OutOfKeg)]
    public void A_tap_that_is_not_active_asks_nothing(TapStatus status)
    {
        var m = Machine();
        m.TapStatusChanged(status);
        var show = Assert.IsType<ShowDenied>(Assert.Single(m.CardPresented(Card, _now)));
        Assert.Equal(DenyReason.TapNotActive, show.Reason);
        m.CardRemoved(_now);
        m.TapStatusChanged(TapStatus.Active);
        Assert.IsType<AskAuthorize>(Assert.Single(m.CardPresented(Card, _now.AddSeconds(10))));
    }

    [Fact]
    public void A_card_removed_before_the_allow_arrives_releases_the_session_without_opening()
    {
        var m = Machine();
        var ask = Assert.IsType<AskAuthorize>(Assert.Single(m.CardPresented(Card, _now)));
        m.CardRemoved(_now.AddMilliseconds(10));
        var session = Guid.NewGuid();
        var answer = m.AuthorizeAnswered(ask.Request.RequestId, Allow(session, 500), _now.AddMilliseconds(20));
        Assert.Equal([typeof(JournalStart), typeof(JournalFinish), typeof(SendComplete)], answer.Select(c => c.GetType()));
        Assert.Equal((session, 0), (Assert.IsType<SendComplete>(answer[2]).Request.PourSessionId, Assert.IsType<SendComplete>(answer[2]).Request.VolumeMl));
        Assert.Equal(PourState.Idle, m.State);
    }

    [Fact]
    public void Flow_at_a_closed_valve_is_reported_above_the_ghost_threshold_only()
    {
        var m = Machine(new PourSettings { GhostFlowThresholdMl = 15, GhostFlowWindowMs = 10_000 });
        Assert.Empty(Pulse(m, 6)); // 13 ml: noise
        _now = _now.AddSeconds(11);
        Assert.Empty(m.Tick(_now));
        Assert.Empty(Pulse(m, 6)); // forgotten after the window: still below
        var leak = Pulse(m, 1); // 7 pulses within the window = 15 ml
        var report = Assert.IsType<ReportFlowWithoutPour>(Assert.Single(leak));
        Assert.Equal((TapId, 15), (report.Message.TapId, report.Message.VolumeMl));
    }

    [Fact]
    public void Pulses_convert_to_millilitres_with_the_servers_calibration()
    {
        Assert.Equal(1000, FlowCalibration.Millilitres(450, 450));
        Assert.Equal(2, FlowCalibration.Millilitres(1, 450));
        Assert.Equal(0, FlowCalibration.Millilitres(5, 0));
        Assert.Equal(45, FlowCalibration.PulsesFor(100, 450));
        Assert.Equal(330, FlowCalibration.PulsesFor(500, 660));
    }
}
