using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TapRoom.Server.Data.PostgresMigrations
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
                type: "numeric(18,4)",
                precision: 18,
                scale: 4,
                nullable: false,
                defaultValue: 0m);

            // Backfill (ADR 0065): each visit's balance is the sum of its ledger (numeric: exact).
            migrationBuilder.Sql("""
                UPDATE "Visits" AS v SET "Balance" = l.total
                FROM (SELECT "VisitId", SUM("Amount") AS total FROM "Ledger" GROUP BY "VisitId") AS l
                WHERE l."VisitId" = v."Id";
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
