using System.Collections.Concurrent;
using Iot.Device.Pn532;
using TapRoom.ControllerAgent.Hardware.Nfc;
using TapRoom.ControllerAgent.Tests.Infrastructure;

namespace TapRoom.ControllerAgent.Tests.Hardware;

/// <summary>The NFC readers' polling logic with a scripted poller, and the PN532 wiring against a fake I2C PN532.</summary>
public sealed class NfcReaderTests
{
    private static readonly TimeSpan Presence = TimeSpan.FromMilliseconds(800);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    private sealed class ScriptedPoller : ICardPoller
    {
        public byte[]? Card { get; set; }
        public Exception? Failure { get; set; }
        public int Polls;
        public bool Disposed;

        public byte[]? Poll()
        {
            Polls++;
            if (Failure is not null) throw Failure;
            return Card;
        }

        public void Dispose() => Disposed = true;
    }

    private static (PollingCardReader Reader, ConcurrentQueue<string> Events) Reader(ICardPoller poller, ManualTime time, CapturingLoggerFactory? logs = null)
    {
        var reader = new PollingCardReader("bar-1", poller, Presence, Poll, time, logs?.CreateLogger("nfc"));
        var events = new ConcurrentQueue<string>();
        reader.Presented += uid => events.Enqueue("presented " + uid);
        reader.Removed += () => events.Enqueue("removed");
        return (reader, events);
    }

    /// <summary>Polls every <see cref="Poll"/> for <paramref name="duration"/>, as the reader's thread would.</summary>
    private static void PollFor(PollingCardReader reader, ManualTime time, TimeSpan duration)
    {
        for (var t = TimeSpan.Zero; t < duration; t += Poll)
        {
            reader.PollOnce();
            time.Advance(Poll);
        }
    }

    [Fact]
    public void A_card_is_reported_once_when_it_enters_the_field_and_removed_once_it_has_been_gone_for_the_presence_timeout()
    {
        var time = new ManualTime();
        var poller = new ScriptedPoller();
        var (reader, events) = Reader(poller, time);

        PollFor(reader, time, TimeSpan.FromSeconds(1));
        Assert.Empty(events);

        poller.Card = [0x04, 0xa1, 0xb2, 0xc3];
        PollFor(reader, time, TimeSpan.FromSeconds(3)); // 30 reads of the same card
        Assert.Equal(["presented 04A1B2C3"], events);
        Assert.Equal("04A1B2C3", reader.Current);

        poller.Card = null;
        PollFor(reader, time, Presence - Poll); // a missed read or two is not a removal
        Assert.Equal(["presented 04A1B2C3"], events);
        PollFor(reader, time, Poll * 2);
        Assert.Equal(["presented 04A1B2C3", "removed"], events);
        Assert.Null(reader.Current);
        Assert.Equal(10 + 30 + 7 + 2, poller.Polls);

        reader.Dispose();
        Assert.True(poller.Disposed);
    }

    [Fact]
    public void A_different_card_replaces_the_first_with_a_removal_in_between_and_seven_byte_uids_are_kept_whole()
    {
        var time = new ManualTime();
        var poller = new ScriptedPoller { Card = [0x04, 0xa1, 0xb2, 0xc3] };
        var (reader, events) = Reader(poller, time);
        PollFor(reader, time, TimeSpan.FromMilliseconds(300));
        poller.Card = [0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66];
        PollFor(reader, time, TimeSpan.FromMilliseconds(300));
        Assert.Equal(["presented 04A1B2C3", "removed", "presented 04112233445566"], events);
    }

    [Fact]
    public void A_reader_that_fails_counts_as_an_empty_field_and_is_logged_once_until_it_answers_again()
    {
        var time = new ManualTime();
        var logs = new CapturingLoggerFactory();
        var poller = new ScriptedPoller { Card = [0x04, 0xa1, 0xb2, 0xc3] };
        var (reader, events) = Reader(poller, time, logs);
        PollFor(reader, time, TimeSpan.FromMilliseconds(300));

        poller.Failure = new IOException("I2C bus error");
        PollFor(reader, time, TimeSpan.FromSeconds(2));
        Assert.Equal(["presented 04A1B2C3", "removed"], events);
        Assert.Single(logs.Lines, l => l.Contains("poll failed") && l.Contains("I2C bus error"));

        poller.Failure = null;
        PollFor(reader, time, TimeSpan.FromMilliseconds(300));
        Assert.Equal(["presented 04A1B2C3", "removed", "presented 04A1B2C3"], events);
        Assert.Single(logs.Lines, l => l.Contains("answers again"));
    }

    [Fact]
    public void A_pn532_on_i2c_is_polled_through_the_binding_for_a_106_kbps_type_a_card()
    {
        var time = new ManualTime();
        var chip = new FakePn532I2cDevice();
        var pn532 = new Pn532(chip);
        Assert.Contains(chip.Commands, c => c.Command == 0x02); // the binding checked the firmware while starting
        var (reader, events) = Reader(new Pn532CardPoller(pn532), time);

        reader.PollOnce();
        Assert.Empty(events);

        chip.CardUid = [0x04, 0xa1, 0xb2, 0xc3];
        PollFor(reader, time, TimeSpan.FromMilliseconds(500));
        Assert.Equal(["presented 04A1B2C3"], events);
        // InListPassiveTarget for at most one target at 106 kbps Type A (BrTy 0x00).
        Assert.All(chip.Commands.Where(c => c.Command == 0x4A), c => Assert.Equal(new byte[] { 0x01, 0x00 }, c.Data));

        chip.CardUid = null;
        PollFor(reader, time, Presence + Poll * 2);
        Assert.Equal(["presented 04A1B2C3", "removed"], events);
        Assert.True(chip.ListPassiveTargetCalls >= 10);
        reader.Dispose();
    }
}
