using System.Device.Gpio;
using System.Device.I2c;
using System.Device.Spi;
using Iot.Device.Mfrc522;
using Iot.Device.Pn532;
using Microsoft.Extensions.Logging;
using TapRoom.ControllerAgent.Hardware.Linux;

namespace TapRoom.ControllerAgent.Hardware.Nfc;

/// <summary>Builds the card reader the configuration names (the driver wiring; the logic is in <see cref="PollingCardReader"/>).</summary>
public static class CardReaders
{
    public static ICardReader Create(string readerId, CardReaderSettings settings, TimeSpan presenceTimeout, GpioController gpio, ILoggerFactory loggers)
    {
        if (settings.Kind == CardReaderKind.Keyboard) return new LinuxInputCardReader(readerId, settings.Device, presenceTimeout);
        var poller = CreatePoller(settings, gpio);
        return new PollingCardReader(readerId, poller, presenceTimeout, TimeSpan.FromMilliseconds(settings.PollIntervalMs),
            logger: loggers.CreateLogger<PollingCardReader>()).Start();
    }

    public static ICardPoller CreatePoller(CardReaderSettings settings, GpioController gpio) => settings.Kind switch
    {
        CardReaderKind.Pn532 => new Pn532CardPoller(CreatePn532(settings, gpio)),
        CardReaderKind.Mfrc522 => new MfRc522CardPoller(CreateMfRc522(settings, gpio), TimeSpan.FromMilliseconds(Math.Max(20, settings.PollIntervalMs))),
        _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Kind, "Not a polled NFC reader."),
    };

    /// <summary>The PN532 on the configured bus, as its binding's documentation shows.</summary>
    public static Pn532 CreatePn532(CardReaderSettings settings, GpioController gpio)
    {
        switch (settings.Bus)
        {
            case ReaderBus.I2c:
                return new Pn532(I2cDevice.Create(new I2cConnectionSettings(settings.I2cBus, settings.I2cAddress)));
            case ReaderBus.Spi:
                var spi = SpiDevice.Create(new SpiConnectionSettings(settings.SpiBus, settings.SpiChipSelect)
                {
                    ClockFrequency = Pn532.SpiClockFrequency,
                    Mode = Pn532.SpiMode,
                    DataFlow = DataFlow.LsbFirst,
                });
                // The binding holds chip select low across a whole frame itself, so SS goes to a plain GPIO line.
                if (settings.ChipSelectLine < 0)
                {
                    spi.Dispose();
                    throw new InvalidOperationException("A PN532 on SPI needs Reader:ChipSelectLine: wire its SS to a free GPIO line (docs/OPERATIONS.md).");
                }
                return new Pn532(spi, settings.ChipSelectLine, gpio, shouldDispose: false);
            case ReaderBus.Uart:
                return new Pn532(settings.SerialPort);
            default:
                throw new ArgumentOutOfRangeException(nameof(settings), settings.Bus, "PN532 bus must be I2c, Spi or Uart.");
        }
    }

    /// <summary>The MFRC522 on SPI (the RC522 modules have SPI only wired out).</summary>
    public static MfRc522 CreateMfRc522(CardReaderSettings settings, GpioController gpio)
    {
        if (settings.Bus != ReaderBus.Spi) throw new ArgumentOutOfRangeException(nameof(settings), settings.Bus, "MFRC522 readers are wired on SPI.");
        var spi = SpiDevice.Create(new SpiConnectionSettings(settings.SpiBus, settings.SpiChipSelect)
        {
            ClockFrequency = MfRc522.MaximumSpiClockFrequency,
            Mode = MfRc522.DefaultSpiMode,
        });
        return new MfRc522(spi, settings.ResetLine, settings.ResetLine >= 0 ? gpio : null, shouldDispose: false);
    }
}
