using Iot.Device.Mfrc522;

namespace TapRoom.ControllerAgent.Hardware.Nfc;

/// <summary>
/// MFRC522 over SPI: <see cref="MfRc522.ListenToCardIso14443TypeA"/> selects a card and reads its UID; the card is then
/// halted, so while it stays in the field it answers only a wake-up (<see cref="MfRc522.IsCardPresent"/> with
/// reselect), which is how a card that stays on the reader keeps being seen.
/// </summary>
public sealed class MfRc522CardPoller(MfRc522 reader, TimeSpan listenTimeout) : ICardPoller
{
    private readonly byte[] _atqa = new byte[2];
    private byte[]? _current;

    public byte[]? Poll()
    {
        if (reader.ListenToCardIso14443TypeA(out var card, listenTimeout))
        {
            reader.Halt();
            return _current = card.NfcId;
        }
        if (_current is not null && reader.IsCardPresent(_atqa, reselect: true)) return _current;
        return _current = null;
    }

    public void Dispose() => reader.Dispose();
}
