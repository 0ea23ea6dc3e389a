namespace TapRoom.Server.Domain;

public partial class Location
{
    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9-]{2,40}$")]
    public static partial System.Text.RegularExpressions.Regex SlugPattern();

    /// <summary>
    /// A slug from a venue's name: lower case ASCII letters and digits, every other run of characters one hyphen
    /// ("Taproom Mitte" → "taproom-mitte", "Zur Brücke" → "zur-br-cke"); "venue" when nothing is left.
    /// </summary>
    public static string SlugFrom(string name)
    {
        var text = new System.Text.StringBuilder();
        foreach (var c in name.Trim().ToLowerInvariant())
        {
            if (c is >= 'a' and <= 'z' or >= '0' and <= '9') text.Append(c);
            else if (text.Length > 0 && text[^1] != '-') text.Append('-');
        }
        var slug = text.ToString().Trim('-');
        if (slug.Length > 40) slug = slug[..40].TrimEnd('-');
        return slug.Length >= 2 ? slug : "venue";
    }

    /// <summary>The venue's time zone by its id; UTC when the id is unknown here (times are still shown, labelled UTC).</summary>
    public static TimeZoneInfo FindTimeZone(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return TimeZoneInfo.Utc;
        }
    }

    /// <summary>
    /// A UTC time on the venue's wall clock, with the zone's name to show beside it ("UTC" when the id is unknown here,
    /// so a fallback is never labelled as the venue's zone). The one conversion the server's texts use.
    /// </summary>
    public static (DateTime Local, string Zone) ToVenueTime(DateTime utc, string timeZoneId)
    {
        var zone = FindTimeZone(timeZoneId);
        return (TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone), zone == TimeZoneInfo.Utc ? "UTC" : timeZoneId);
    }

    /// <summary>A UTC time as staff read it in text the server writes (alert messages): venue time, labelled with the zone.</summary>
    public string LocalTimeText(DateTime? utc)
    {
        if (utc is null) return "never";
        var (local, zone) = ToVenueTime(utc.Value, TimeZone);
        return $"{local:HH:mm:ss} ({zone})";
    }

    public Guid Id { get; set; }
    public required string Name { get; set; }
    /// <summary>The venue in the web app's URLs (<c>/v/{slug}/taps</c>): <c>[a-z0-9-]{2,40}</c>, unique.</summary>
    public required string Slug { get; set; }
    public required string Currency { get; set; }
    public required string TimeZone { get; set; }
    public LocationPolicies Policies { get; set; } = new();
    public List<string> EquipmentChecklist { get; set; } = [];
    /// <summary>Whether the public tap list (<c>/board/{slug}</c>) is on.</summary>
    public bool BoardEnabled { get; set; } = true;
    /// <summary>The servings the board prices, in ml (PRODUCT.md: 300 and 500 by default).</summary>
    public List<int> ServingSizesMl { get; set; } = [.. DefaultServingSizesMl];
    public DateTime CreatedAt { get; set; }

    public static readonly IReadOnlyList<int> DefaultServingSizesMl = [300, 500];
}

/// <summary>Per-location policies with PRODUCT.md's defaults.</summary>
public class LocationPolicies
{
    public int LockTimeoutSeconds { get; set; } = 120;
    public int FlowIdleTimeoutMs { get; set; } = 8000;
    public int PerPourCapMl { get; set; } = 1000;
    public int VisitVolumeLimitMl { get; set; } = 2000;
    /// <summary>The minimum balance to authorise is the price of this many millilitres.</summary>
    public int MinimumBalanceVolumeMl { get; set; } = 50;
    public int MinimumChargedPourMl { get; set; } = 10;
    public int LateSyncToleranceMl { get; set; } = 20;
    public int LateSyncTolerancePercent { get; set; } = 5;
    public int LegalAge { get; set; } = 18;
    public bool PouringRequiresOpenShift { get; set; } = true;
    /// <summary>
    /// Whether the desk may top up and refund while no shift is open (off by default). Money moved then is listed in
    /// the next shift's report, so none escapes a report either way.
    /// </summary>
    public bool DeskMoneyWithoutOpenShift { get; set; }
    public int KegWarningPercent { get; set; } = 15;
    public int KegCriticalPercent { get; set; } = 5;
    public int ControllerHeartbeatTimeoutSeconds { get; set; } = 30;
    /// <summary>A sync mismatch above this many millilitres is critical rather than a warning.</summary>
    public int SyncMismatchCriticalMl { get; set; } = 100;
    /// <summary>Days between ordering a beer and its kegs arriving: the stock view's reorder date is this much before it runs out.</summary>
    public int ReorderLeadDays { get; set; } = 3;

    /// <summary>Late-sync tolerance: max(LateSyncToleranceMl, LateSyncTolerancePercent of the reference volume).</summary>
    public int LateSyncToleranceFor(int referenceVolumeMl) =>
        Math.Max(LateSyncToleranceMl, (int)Math.Ceiling(referenceVolumeMl * LateSyncTolerancePercent / 100m));
}

public static class DefaultEquipmentChecklist
{
    public static readonly IReadOnlyList<string> Items =
    [
        "Taps rinsed and nozzles clean",
        "Drip trays emptied",
        "CO2 pressure checked",
        "Cooler temperature checked",
        "Card readers working",
    ];
}
