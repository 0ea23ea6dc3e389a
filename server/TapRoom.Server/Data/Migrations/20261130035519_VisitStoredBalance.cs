using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TapRoom.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class VisitStoredBalance : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<decimal>(
                name: "Balance",
                table: "Visits",
                type: "TEXT",
                precision: 18,
                scale: 4,
                nullable: false,
                defaultValue: 0m);

            // Backfill (ADR 0065): each visit's balance is the sum of its ledger. SQLite keeps decimals as text and would
            // sum them as floating point, so the sum is taken in whole cents as integers (every amount has at most two
            // decimals) and written back as text.
            migrationBuilder.Sql("""
                UPDATE "Visits" SET "Balance" = (
                    SELECT printf('%.2f', SUM(CAST(round(CAST("Amount" AS REAL) * 100) AS INTEGER)) / 100.0)
                    FROM "Ledger" WHERE "Ledger"."VisitId" = "Visits"."Id")
                WHERE EXISTS (SELECT 1 FROM "Ledger" WHERE "Ledger"."VisitId" = "Visits"."Id");
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Balance",
                table: "Visits");
        }
    }
}
