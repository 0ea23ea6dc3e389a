using TapRoom.Contracts;

namespace TapRoom.ControllerAgent.Pouring;

/// <summary>What the state machine asks the world to do, in order. The runtime executes them; tests read them.</summary>
public abstract record PourCommand;

public sealed record AskAuthorize(AuthorizeRequest Request) : PourCommand;

public sealed record OpenValve(Guid PourSessionId) : PourCommand;

public sealed record CloseValve(string Reason) : PourCommand;

/// <summary>Written before the valve opens: a crash after this point is recovered from the journal.</summary>
public sealed record JournalStart(Guid PourSessionId, Guid TapId, int MaxVolumeMl, int PulsesPerLiter, DateTime StartedAt) : PourCommand;

public sealed record JournalCheckpoint(Guid PourSessionId, int VolumeMl, long Pulses, DateTime At) : PourCommand;

public sealed record JournalFinish(Guid PourSessionId, int VolumeMl, long Pulses, DateTime EndedAt, string Reason) : PourCommand;

public sealed record SendProgress(PourProgressMessage Message) : PourCommand;

/// <summary>The finished session is in the journal; the sync queue sends it (now if the link is up, later otherwise).</summary>
public sealed record SendComplete(CompletePourRequest Request) : PourCommand;

public sealed record ReportFlowWithoutPour(FlowWithoutPourMessage Message) : PourCommand;

public sealed record ShowDenied(string CardUid, DenyReason? Reason, string Message) : PourCommand;

/// <summary>A calibration pour ended: tell the server its pulses (kept and sent again until the server has it).</summary>
public sealed record SendCalibrationDone(CalibrationPourDoneMessage Message) : PourCommand;

public static class EndReasons
{
    public const string CardRemoved = "card_removed";
    public const string FlowIdle = "flow_idle";
    public const string MaxVolume = "max_volume";
    public const string StopPour = "stop_pour";
    public const string Shutdown = "shutdown";
    public const string Recovered = "recovered_after_restart";
    public const string Abandoned = "abandoned_before_open";
    public const string Fault = "fault";
    public const string LinkLost = "link_lost";
}
