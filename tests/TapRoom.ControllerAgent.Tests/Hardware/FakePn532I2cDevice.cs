using System.Collections.Concurrent;
using System.Device.I2c;

namespace TapRoom.ControllerAgent.Tests.Hardware;

/// <summary>
/// A PN532 on the I2C bus, answering the frames of its user manual (UM0701-02 §6.2): every command frame
/// <c>00 00 FF LEN LCS D4 CMD data DCS 00</c> is acknowledged with <c>00 00 FF 00 FF 00</c>, then answered with
/// <c>00 00 FF LEN LCS D5 CMD+1 data DCS 00</c>; on I2C each read starts with the status byte (bit 0: ready).
/// InListPassiveTarget reports the card in <see cref="CardUid"/>, if any, as a 106 kbps Type A target.
/// </summary>
public sealed class FakePn532I2cDevice : I2cDevice
{
    private const byte GetFirmwareVersion = 0x02;
    private const byte InListPassiveTarget = 0x4A;
    private readonly Lock _gate = new();
    private byte[]? _ack;
    private byte[]? _response;

    public FakePn532I2cDevice(int bus = 1) => ConnectionSettings = new I2cConnectionSettings(bus, 0x24);

    /// <summary>The card in the field (4, 7 or 10 bytes), or null for an empty field.</summary>
    public byte[]? CardUid { get; set; }
    /// <summary>Every command frame received (command code, parameters).</summary>
    public ConcurrentQueue<(byte Command, byte[] Data)> Commands { get; } = new();
    public int ListPassiveTargetCalls => Commands.Count(c => c.Command == InListPassiveTarget);

    public override I2cConnectionSettings ConnectionSettings { get; }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        // A wake-up (zeros) or anything that is not a frame gets no answer.
        var start = buffer.IndexOf((ReadOnlySpan<byte>)[0x00, 0xFF]);
        if (start < 0 || buffer.Length < start + 6) return;
        int len = buffer[start + 2];
        if ((byte)(len + buffer[start + 3]) != 0 || buffer[start + 4] != 0xD4 || buffer.Length < start + 4 + len + 1) return;
        var frame = buffer.Slice(start + 4, len); // D4 CMD data
        byte sum = 0;
        foreach (var b in frame) sum += b;
        if ((byte)(sum + buffer[start + 4 + len]) != 0) return;
        var command = frame[1];
        var data = frame[2..].ToArray();
        Commands.Enqueue((command, data));
        lock (_gate)
        {
            _ack = [0x01, 0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00];
            _response = ResponseFrame(command, Answer(command, data));
        }
    }

    private byte[] Answer(byte command, byte[] data) => command switch
    {
        GetFirmwareVersion => [0x32, 0x01, 0x06, 0x07], // PN532, firmware 1.6, ISO 14443A/B + ISO 18092
        InListPassiveTarget when CardUid is { } uid && data is [_, 0x00, ..] =>
            [0x01, 0x01, 0x00, 0x04, 0x08, (byte)uid.Length, .. uid], // one target: Tg, SENS_RES, SEL_RES (MIFARE Classic), NFCID1
        InListPassiveTarget => [0x00],
        _ => [], // SAMConfiguration, SetParameters, RFConfiguration, ...: done
    };

    private static byte[] ResponseFrame(byte command, byte[] data)
    {
        var len = (byte)(data.Length + 2);
        byte sum = (byte)(0xD5 + command + 1);
        foreach (var b in data) sum += b;
        return [0x01, 0x00, 0x00, 0xFF, len, (byte)(~len + 1), 0xD5, (byte)(command + 1), .. data, (byte)(~sum + 1), 0x00];
    }

    public override byte ReadByte()
    {
        lock (_gate) return (byte)(_ack is not null || _response is not null ? 0x01 : 0x00);
    }

    public override void Read(Span<byte> buffer)
    {
        buffer.Clear();
        lock (_gate)
        {
            if (_ack is { } ack)
            {
                ack.AsSpan(0, Math.Min(ack.Length, buffer.Length)).CopyTo(buffer);
                _ack = null;
            }
            else if (_response is { } response)
            {
                response.AsSpan(0, Math.Min(response.Length, buffer.Length)).CopyTo(buffer);
                _response = null;
            }
        }
    }

    public override void WriteByte(byte value) => Write([value]);

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        Read(readBuffer);
    }
}
