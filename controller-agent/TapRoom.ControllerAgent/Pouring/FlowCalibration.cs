namespace TapRoom.ControllerAgent.Pouring;

/// <summary>Pulses to millilitres with the server's calibration (pulses per litre). Integer arithmetic, rounded down.</summary>
public static class FlowCalibration
{
    public static int Millilitres(long pulses, int pulsesPerLiter) =>
        pulsesPerLiter <= 0 || pulses <= 0 ? 0 : (int)Math.Min(int.MaxValue, pulses * 1000 / pulsesPerLiter);

    /// <summary>The first pulse count whose volume reaches <paramref name="millilitres"/>: the valve closes on that pulse.</summary>
    public static long PulsesFor(int millilitres, int pulsesPerLiter) =>
        millilitres <= 0 ? 0 : ((long)millilitres * pulsesPerLiter + 999) / 1000;
}
