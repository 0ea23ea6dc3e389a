namespace TapRoom.Server.Features.Yield;

/// <summary>
/// The YieldAndCalibration migration's backfill (the same SQL on SQLite and PostgreSQL; kegs joined their venue in the
/// Venues migration): a keg marked empty before kept what the meter said was left, which is now its loss at empty; the pours' volumes are
/// its charged and below-minimum parts; what they do not explain was run off by flushes, its cleaning part. Then
/// nominal = remaining + the parts holds for every keg, as CK_Kegs_PartsAddUp asks.
/// </summary>
public static class YieldBackfill
{
    private const string Taken = "(\"NominalVolumeMl\" - \"RemainingVolumeMl\" - \"LossAtEmptyMl\")";

    public static readonly string[] Statements =
    [
        "UPDATE \"Kegs\" SET \"LossAtEmptyMl\" = \"RemainingVolumeMl\", \"RemainingVolumeMl\" = 0 WHERE \"Status\" IN ('empty', 'returned')",
        "UPDATE \"Kegs\" SET \"ChargedMl\" = COALESCE((SELECT SUM(p.\"VolumeMl\") FROM \"PourSessions\" p WHERE p.\"KegId\" = \"Kegs\".\"Id\" AND p.\"VolumeMl\" IS NOT NULL AND CAST(p.\"ChargedAmount\" AS REAL) > 0), 0)",
        "UPDATE \"Kegs\" SET \"BelowMinimumMl\" = COALESCE((SELECT SUM(p.\"VolumeMl\") FROM \"PourSessions\" p WHERE p.\"KegId\" = \"Kegs\".\"Id\" AND p.\"VolumeMl\" IS NOT NULL AND CAST(p.\"ChargedAmount\" AS REAL) = 0 AND p.\"SyncStatus\" <> 'pending_sync'), 0)",
        $"UPDATE \"Kegs\" SET \"ChargedMl\" = {Taken} WHERE \"ChargedMl\" > {Taken}",
        $"UPDATE \"Kegs\" SET \"BelowMinimumMl\" = {Taken} - \"ChargedMl\" WHERE \"BelowMinimumMl\" > {Taken} - \"ChargedMl\"",
        $"UPDATE \"Kegs\" SET \"CleaningMl\" = {Taken} - \"ChargedMl\" - \"BelowMinimumMl\"",
    ];
}
