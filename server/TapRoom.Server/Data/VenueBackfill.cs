namespace TapRoom.Server.Data;

/// <summary>
/// What the Venues migration does to data already there, on both providers: every keg, alert, lost card, POS entry and
/// audit event of a venue's business goes to the first venue (the one the first start created), and every staff member and
/// manager becomes a member of it. The chain's own audit (staff users, the catalogue, the venues) stays without a venue.
/// </summary>
public static class VenueBackfill
{
    private const string First = "(SELECT \"Id\" FROM \"Locations\" ORDER BY \"CreatedAt\" LIMIT 1)";

    public const string Sql =
        $"""
        UPDATE "Kegs" SET "LocationId" = {First} WHERE EXISTS (SELECT 1 FROM "Locations");
        UPDATE "Alerts" SET "LocationId" = {First} WHERE EXISTS (SELECT 1 FROM "Locations");
        UPDATE "LostCards" SET "LocationId" = {First} WHERE EXISTS (SELECT 1 FROM "Locations");
        UPDATE "PosOutbox" SET "LocationId" = {First} WHERE EXISTS (SELECT 1 FROM "Locations");
        UPDATE "AuditEvents" SET "LocationId" = {First} WHERE "SubjectType" NOT IN ('staff_user', 'beer_type', 'location');
        INSERT INTO "StaffLocations" ("StaffUserId", "LocationId")
            SELECT "Id", {First} FROM "StaffUsers" WHERE "Role" <> 'admin' AND EXISTS (SELECT 1 FROM "Locations");
        """;
}
