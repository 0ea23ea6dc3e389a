namespace TapRoom.ControllerAgent.Screen;

/// <summary>What a tap screen can be showing.</summary>
public static class ScreenPhases
{
    /// <summary>No configuration from the server yet (first start, link never up).</summary>
    public const string Starting = "starting";
    public const string Idle = "idle";
    /// <summary>A card was read; the server is being asked.</summary>
    public const string Checking = "checking";
    /// <summary>Allowed: the valve is open, nothing poured yet.</summary>
    public const string Allowed = "allowed";
    public const string Pouring = "pouring";
    public const string Finished = "finished";
    public const string Denied = "denied";
    /// <summary>The link to the server is down and no pour is running.</summary>
    public const string Offline = "offline";
    public const string Cleaning = "cleaning";
    public const string Locked = "locked";
    public const string OutOfKeg = "out_of_keg";
    /// <summary>The tap waits until the controller's journal is synced.</summary>
    public const string Syncing = "syncing";
    /// <summary>The controller has no key yet: it shows the code an admin adopts it by.</summary>
    public const string Pairing = "pairing";
}

/// <summary>
/// One state of one tap's screen, pushed to the page whole (the page keeps nothing between states, so nothing of one
/// guest outlives the next push). Guest fields are null outside that guest's allow, pour and finish.
/// </summary>
public sealed record TapScreenView(
    long Seq,
    int Number,
    string TapName,
    string Phase,
    bool Online,
    string? BeerName,
    string? BeerStyle,
    decimal? Abv,
    decimal? PricePer100Ml,
    string? Currency,
    string? GuestFirstName,
    decimal? Balance,
    int? MaxVolumeMl,
    int? VolumeMl,
    decimal? Cost,
    decimal? BalanceLeft,
    /// <summary>True while cost and balance are the agent's own estimate; false once the server confirmed the charge.</summary>
    bool Estimated,
    string? Message,
    /// <summary>Set in the pairing phase: the code to enter in the dashboard.</summary>
    string? PairingCode = null)
{
    public bool SameAs(TapScreenView other) => this with { Seq = 0 } == other with { Seq = 0 };
}
