using Iot.Device.Pn532;
using Iot.Device.Pn532.ListPassive;

namespace TapRoom.ControllerAgent.Hardware.Nfc;

/// <summary>
/// PN532 (I2C, SPI or UART, whichever <see cref="Pn532"/> was built on): <c>InListPassiveTarget</c> for one 106 kbps
/// Type A target, decoded with <see cref="Pn532.TryDecode106kbpsTypeA"/>, the way the binding's sample does.
/// </summary>
public sealed class Pn532CardPoller(Pn532 pn532) : ICardPoller
{
    public byte[]? Poll()
    {
        var data = pn532.ListPassiveTarget(MaxTarget.One, TargetBaudRate.B106kbpsTypeA);
        // The first byte is the number of targets found; the target's data follows.
        if (data is not { Length: > 1 } || data[0] == 0) return null;
        var card = pn532.TryDecode106kbpsTypeA(data.AsSpan(1));
        return card?.NfcId;
    }

    public void Dispose() => pn532.Dispose();
}
