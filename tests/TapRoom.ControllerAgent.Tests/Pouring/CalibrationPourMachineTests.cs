using TapRoom.Contracts;
using TapRoom.ControllerAgent.Pouring;

namespace TapRoom.ControllerAgent.Tests.Pouring;

/// <summary>A calibration pour in the pour machine: no card, no journal, and every way a pour's valve closes, plus link loss.</summary>
public sealed class CalibrationPourMachineTests
{
    private static readonly Guid TapId = Guid.NewGuid();
    private static readonly ControllerTapConfig ActiveTap = new(TapId, "Tap 1", TapStatus.Active, PulsesPerLiter: 450, MaxPourMl: 1000, FlowIdleTimeoutMs: 8000);
    private DateTime _now = new(2026, 11, 21, 18, 0, 0, DateTimeKind.Utc);
    private long _pulses;

    /// <summary>A fresh machine whose meter starts at 0 (so is the test's pulse count).</summary>
    private TapPourMachine Machine()
    {
        _pulses = 0;
        var m = new TapPourMachine(new PourSettings { SettleMs = 0 });
        m.Configure(ActiveTap);
        m.LinkChanged(true);
        m.MeterBaseline(0);
        return m;
    }

    private IReadOnlyList<PourCommand> Pulse(TapPourMachine m, int n)
    {
        var all = new List<PourCommand>();
        for (var i = 0; i < n; i++) all.AddRange(m.MeterCount(++_pulses, _now));
        return all;
    }

    private static CalibrationPourDoneMessage Done(IEnumerable<PourCommand> commands) => Assert.Single(commands.OfType<SendCalibrationDone>()).Message;

    [Fact]
    public void The_valve_opens_with_no_card_and_closes_on_the_pulse_that_reaches_the_target_by_the_current_factor()
    {
        var m = Machine();
        var id = Guid.NewGuid();
        Assert.Equal([new OpenValve(id)], m.StartCalibration(id, 500, _now));
        Assert.Equal((PourState.Pouring, (Guid?)id, (Guid?)null), (m.State, m.CalibrationId, m.PourSessionId));
        // 500 ml at 450 pulses per litre: the 225th pulse closes it. Nothing is journalled or charged on the way.
        Assert.DoesNotContain(Pulse(m, 224), c => c is CloseValve or JournalStart or JournalCheckpoint or SendProgress);
        var end = Pulse(m, 1);
        Assert.Equal(new CloseValve(EndReasons.MaxVolume), end.OfType<CloseValve>().Single());
        Assert.Equal((id, TapId, 225L, 500), (Done(end).CalibrationId, Done(end).TapId, Done(end).Pulses, Done(end).VolumeMl));
        Assert.Equal(PourState.Idle, m.State);
        Assert.DoesNotContain(end, c => c is SendComplete or JournalFinish);
    }

    [Fact]
    public void The_cap_the_flow_idle_timeout_a_stop_and_a_lost_link_each_close_the_valve()
    {
        // The cap: a target above the tap's maximum pours the maximum.
        var capped = Machine();
        capped.StartCalibration(Guid.NewGuid(), 1500, _now);
        Assert.Equal(EndReasons.MaxVolume, Pulse(capped, 450).OfType<CloseValve>().Single().Reason);

        var idle = Machine();
        idle.StartCalibration(Guid.NewGuid(), 500, _now);
        Pulse(idle, 10);
        _now = _now.AddSeconds(8);
        var timedOut = idle.Tick(_now);
        Assert.Equal(EndReasons.FlowIdle, timedOut.OfType<CloseValve>().Single().Reason);
        Assert.Equal(10, Done(timedOut).Pulses);

        var stopped = Machine();
        var id = Guid.NewGuid();
        stopped.StartCalibration(id, 500, _now);
        Pulse(stopped, 20);
        Assert.Empty(stopped.StopCalibration(Guid.NewGuid(), _now)); // another calibration's stop
        var stop = stopped.StopCalibration(id, _now);
        Assert.Equal((EndReasons.StopPour, 20L), (stop.OfType<CloseValve>().Single().Reason, Done(stop).Pulses));

        var cut = Machine();
        cut.StartCalibration(Guid.NewGuid(), 500, _now);
        Pulse(cut, 30);
        var lost = cut.LinkChanged(false, _now);
        Assert.Equal((EndReasons.LinkLost, 30L), (lost.OfType<CloseValve>().Single().Reason, Done(lost).Pulses));
        Assert.Equal(PourState.Idle, cut.State);
    }

    [Fact]
    public void A_card_is_ignored_while_calibrating_and_a_busy_or_unlinked_tap_refuses_at_once_with_no_pulses()
    {
        var m = Machine();
        var id = Guid.NewGuid();
        m.StartCalibration(id, 500, _now);
        Assert.Empty(m.CardPresented("04A1B2C3", _now));
        Assert.Empty(m.CardRemoved(_now));
        Assert.Equal(PourState.Pouring, m.State);
        var second = Done(m.StartCalibration(Guid.NewGuid(), 500, _now));
        Assert.Equal((0L, 0), (second.Pulses, second.VolumeMl));
        Assert.Equal(id, m.CalibrationId);

        var offline = Machine();
        offline.LinkChanged(false);
        var refused = offline.StartCalibration(Guid.NewGuid(), 500, _now);
        Assert.DoesNotContain(refused, c => c is OpenValve);
        Assert.Equal(0, Done(refused).Pulses);
    }
}
