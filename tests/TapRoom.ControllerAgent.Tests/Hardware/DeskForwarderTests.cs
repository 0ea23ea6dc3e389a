using Microsoft.Extensions.Logging.Abstractions;
using TapRoom.ControllerAgent.Hardware.Simulated;
using TapRoom.ControllerAgent.Tests.Infrastructure;

namespace TapRoom.ControllerAgent.Tests.Hardware;

public sealed class DeskForwarderTests
{
    [Fact]
    public async Task A_desk_reader_forwards_each_presentation_once_and_its_removal()
    {
        var hub = new RecordingDeskHub();
        var link = new ScriptedLink(hub);
        var time = new ManualTime();
        var reader = new SimulatedCardReader("desk-1");
        using var desk = new DeskForwarder(reader, link, TimeSpan.FromMilliseconds(1500), time, NullLogger.Instance);

        reader.Present("04:a1:b2:c3");
        time.Advance(TimeSpan.FromMilliseconds(200));
        reader.Present("04A1B2C3"); // the reader repeats itself: not forwarded again
        await Eventually.TrueAsync(() => hub.Events.Count == 1, TimeSpan.FromSeconds(5), "presented");
        reader.Remove();
        await Eventually.TrueAsync(() => hub.Events.Count == 2, TimeSpan.FromSeconds(5), "removed");
        reader.Remove(); // nothing on the reader: nothing to say

        link.IsUp = false;
        reader.Present("04A1B2C4"); // the server is gone: dropped, not queued
        link.IsUp = true;
        time.Advance(TimeSpan.FromSeconds(2));
        reader.Present("04A1B2C4");
        await Eventually.TrueAsync(() => hub.Events.Count == 3, TimeSpan.FromSeconds(5), "next card");
        Assert.Equal(["+desk-1:04A1B2C3", "-desk-1", "+desk-1:04A1B2C4"], hub.Events);
    }

    private sealed class RecordingDeskHub : Contracts.IControllerHub
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _events = new();
        public IReadOnlyList<string> Events => [.. _events];

        public Task CardPresented(Contracts.CardPresentedMessage message)
        {
            _events.Enqueue($"+{message.ReaderId}:{message.CardUid}");
            return Task.CompletedTask;
        }

        public Task CardRemoved(Contracts.CardRemovedMessage message)
        {
            _events.Enqueue($"-{message.ReaderId}");
            return Task.CompletedTask;
        }

        public Task<Contracts.HelloResult> Hello(Contracts.HelloRequest request) => throw new NotSupportedException();
        public Task<Contracts.AuthorizeResult> Authorize(Contracts.AuthorizeRequest request) => throw new NotSupportedException();
        public Task<Contracts.CompletePourResult> CompletePour(Contracts.CompletePourRequest request) => throw new NotSupportedException();
        public Task<Contracts.SyncPoursResult> SyncPours(Contracts.SyncPoursRequest request) => throw new NotSupportedException();
        public Task PourProgress(Contracts.PourProgressMessage message) => throw new NotSupportedException();
        public Task FlowWithoutPour(Contracts.FlowWithoutPourMessage message) => throw new NotSupportedException();
        public Task<Contracts.TemperatureReadingsResult> TemperatureReadings(Contracts.TemperatureReadingsRequest request) => throw new NotSupportedException();
        public Task CalibrationPourDone(Contracts.CalibrationPourDoneMessage message) => throw new NotSupportedException();
        public Task<string> Echo(string text) => throw new NotSupportedException();
    }
}
