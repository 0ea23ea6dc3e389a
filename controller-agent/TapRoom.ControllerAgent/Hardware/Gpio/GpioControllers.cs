using System.Device.Gpio;
using System.Device.Gpio.Drivers;

namespace TapRoom.ControllerAgent.Hardware.Gpio;

/// <summary>Which libgpiod the board has. Chosen explicitly: <c>new GpioController()</c> picks v1 even on a Pi 5.</summary>
public enum GpioDriverKind
{
    /// <summary>libgpiod v2 (<c>libgpiod3</c>): Debian 13 / Raspberry Pi OS Trixie.</summary>
    LibGpiodV2,
    /// <summary>libgpiod v1 (<c>libgpiod2</c>): Debian 12 / Raspberry Pi OS Bookworm.</summary>
    LibGpiodV1,
}

public static class GpioControllers
{
    /// <summary>A controller over the configured libgpiod driver on <paramref name="chip"/> (<c>/dev/gpiochipN</c>).</summary>
    public static GpioController Create(GpioDriverKind driver, int chip)
    {
        GpioDriver d = driver switch
        {
            GpioDriverKind.LibGpiodV2 => new LibGpiodV2Driver(chip),
            GpioDriverKind.LibGpiodV1 => new LibGpiodDriver(chip),
            _ => throw new ArgumentOutOfRangeException(nameof(driver), driver, "Agent:Linux:GpioDriver must be LibGpiodV2 or LibGpiodV1."),
        };
        return new GpioController(d);
    }
}
