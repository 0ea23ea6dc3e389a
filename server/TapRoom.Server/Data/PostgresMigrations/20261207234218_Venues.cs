using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TapRoom.Server.Data.PostgresMigrations
{
    /// <inheritdoc />
    public partial class Venues : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "UX_Visits_ActiveGuest",
                table: "Visits");

            migrationBuilder.AddColumn<Guid>(
                name: "LocationId",
                table: "PosOutbox",
                type: "uuid",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

            migrationBuilder.AddColumn<Guid>(
                name: "LocationId",
                table: "LostCards",
                type: "uuid",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

            migrationBuilder.AddColumn<Guid>(
                name: "LocationId",
                table: "Kegs",
                type: "uuid",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

            migrationBuilder.AddColumn<Guid>(
                name: "LocationId",
                table: "AuditEvents",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "LocationId",
                table: "Alerts",
                type: "uuid",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

            migrationBuilder.CreateTable(
                name: "LocationPrices",
                columns: table => new
                {
                    LocationId = table.Column<Guid>(type: "uuid", nullable: false),
                    BeerTypeId = table.Column<Guid>(type: "uuid", nullable: false),
                    PricePerLiter = table.Column<decimal>(type: "numeric(18,4)", precision: 18, scale: 4, nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LocationPrices", x => new { x.LocationId, x.BeerTypeId });
                    table.ForeignKey(
                        name: "FK_LocationPrices_BeerTypes_BeerTypeId",
                        column: x => x.BeerTypeId,
                        principalTable: "BeerTypes",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_LocationPrices_Locations_LocationId",
                        column: x => x.LocationId,
                        principalTable: "Locations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "StaffLocations",
                columns: table => new
                {
                    StaffUserId = table.Column<Guid>(type: "uuid", nullable: false),
                    LocationId = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_StaffLocations", x => new { x.StaffUserId, x.LocationId });
                    table.ForeignKey(
                        name: "FK_StaffLocations_Locations_LocationId",
                        column: x => x.LocationId,
                        principalTable: "Locations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_StaffLocations_StaffUsers_StaffUserId",
                        column: x => x.StaffUserId,
                        principalTable: "StaffUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });


            // Everything that was there belongs to the first venue: a single venue notices nothing (issue 25).
            migrationBuilder.Sql(VenueBackfill.Sql);

            migrationBuilder.CreateIndex(
                name: "UX_Visits_ActiveGuest",
                table: "Visits",
                columns: new[] { "GuestId", "LocationId" },
                unique: true,
                filter: "\"Status\" = 'active'");

            migrationBuilder.CreateIndex(
                name: "IX_PosOutbox_LocationId",
                table: "PosOutbox",
                column: "LocationId");

            migrationBuilder.CreateIndex(
                name: "IX_LostCards_LocationId",
                table: "LostCards",
                column: "LocationId");

            migrationBuilder.CreateIndex(
                name: "IX_Kegs_LocationId",
                table: "Kegs",
                column: "LocationId");

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_LocationId_At",
                table: "AuditEvents",
                columns: new[] { "LocationId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_Alerts_LocationId_Status",
                table: "Alerts",
                columns: new[] { "LocationId", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_LocationPrices_BeerTypeId",
                table: "LocationPrices",
                column: "BeerTypeId");

            migrationBuilder.CreateIndex(
                name: "IX_StaffLocations_LocationId",
                table: "StaffLocations",
                column: "LocationId");

            migrationBuilder.AddForeignKey(
                name: "FK_Alerts_Locations_LocationId",
                table: "Alerts",
                column: "LocationId",
                principalTable: "Locations",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);

            migrationBuilder.AddForeignKey(
                name: "FK_Kegs_Locations_LocationId",
                table: "Kegs",
                column: "LocationId",
                principalTable: "Locations",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);

            migrationBuilder.AddForeignKey(
                name: "FK_LostCards_Locations_LocationId",
                table: "LostCards",
                column: "LocationId",
                principalTable: "Locations",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);

            migrationBuilder.AddForeignKey(
                name: "FK_PosOutbox_Locations_LocationId",
                table: "PosOutbox",
                column: "LocationId",
                principalTable: "Locations",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_Alerts_Locations_LocationId",
                table: "Alerts");

            migrationBuilder.DropForeignKey(
                name: "FK_Kegs_Locations_LocationId",
                table: "Kegs");

            migrationBuilder.DropForeignKey(
                name: "FK_LostCards_Locations_LocationId",
                table: "LostCards");

            migrationBuilder.DropForeignKey(
                name: "FK_PosOutbox_Locations_LocationId",
                table: "PosOutbox");

            migrationBuilder.DropTable(
                name: "LocationPrices");

            migrationBuilder.DropTable(
                name: "StaffLocations");

            migrationBuilder.DropIndex(
                name: "UX_Visits_ActiveGuest",
                table: "Visits");

            migrationBuilder.DropIndex(
                name: "IX_PosOutbox_LocationId",
                table: "PosOutbox");

            migrationBuilder.DropIndex(
                name: "IX_LostCards_LocationId",
                table: "LostCards");

            migrationBuilder.DropIndex(
                name: "IX_Kegs_LocationId",
                table: "Kegs");

            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_LocationId_At",
                table: "AuditEvents");

            migrationBuilder.DropIndex(
                name: "IX_Alerts_LocationId_Status",
                table: "Alerts");

            migrationBuilder.DropColumn(
                name: "LocationId",
                table: "PosOutbox");

            migrationBuilder.DropColumn(
                name: "LocationId",
                table: "LostCards");

            migrationBuilder.DropColumn(
                name: "LocationId",
                table: "Kegs");

            migrationBuilder.DropColumn(
                name: "LocationId",
                table: "AuditEvents");

            migrationBuilder.DropColumn(
                name: "LocationId",
                table: "Alerts");

            migrationBuilder.CreateIndex(
                name: "UX_Visits_ActiveGuest",
                table: "Visits",
                column: "GuestId",
                unique: true,
                filter: "\"Status\" = 'active'");
        }
    }
}
