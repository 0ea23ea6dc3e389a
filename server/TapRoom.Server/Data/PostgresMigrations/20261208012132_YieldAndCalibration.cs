using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TapRoom.Server.Data.PostgresMigrations
{
    /// <inheritdoc />
    public partial class YieldAndCalibration : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Kegs_LocationId",
                table: "Kegs");

            migrationBuilder.AddColumn<int>(
                name: "PulsesPerLiter",
                table: "Taps",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Policies_ReorderLeadDays",
                table: "Locations",
                type: "integer",
                nullable: false,
                defaultValue: 3);

            migrationBuilder.AddColumn<int>(
                name: "BelowMinimumMl",
                table: "Kegs",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "CalibrationMl",
                table: "Kegs",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "ChargedMl",
                table: "Kegs",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "CleaningMl",
                table: "Kegs",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<decimal>(
                name: "Cost",
                table: "Kegs",
                type: "numeric(18,4)",
                precision: 18,
                scale: 4,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "FoamMl",
                table: "Kegs",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "LeakMl",
                table: "Kegs",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "LossAtEmptyMl",
                table: "Kegs",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "OtherMl",
                table: "Kegs",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "SpillMl",
                table: "Kegs",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "KegWaste",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    KegId = table.Column<Guid>(type: "uuid", nullable: false),
                    LocationId = table.Column<Guid>(type: "uuid", nullable: false),
                    Kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    VolumeMl = table.Column<int>(type: "integer", nullable: false),
                    Comment = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    RecordedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    At = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_KegWaste", x => x.Id);
                    table.CheckConstraint("CK_KegWaste_Volume", "\"VolumeMl\" > 0");
                    table.ForeignKey(
                        name: "FK_KegWaste_Kegs_KegId",
                        column: x => x.KegId,
                        principalTable: "Kegs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_KegWaste_Locations_LocationId",
                        column: x => x.LocationId,
                        principalTable: "Locations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "TapCalibrations",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TapId = table.Column<Guid>(type: "uuid", nullable: false),
                    LocationId = table.Column<Guid>(type: "uuid", nullable: false),
                    ControllerId = table.Column<Guid>(type: "uuid", nullable: false),
                    KegId = table.Column<Guid>(type: "uuid", nullable: true),
                    Status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    TargetMl = table.Column<int>(type: "integer", nullable: false),
                    PulsesPerLiterUsed = table.Column<int>(type: "integer", nullable: false),
                    Pulses = table.Column<long>(type: "bigint", nullable: true),
                    VolumeMl = table.Column<int>(type: "integer", nullable: true),
                    MeasuredMl = table.Column<int>(type: "integer", nullable: true),
                    StartedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    StartedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    PouredAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    MeasuredAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    AppliedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    Discarded = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TapCalibrations", x => x.Id);
                    table.ForeignKey(
                        name: "FK_TapCalibrations_Kegs_KegId",
                        column: x => x.KegId,
                        principalTable: "Kegs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_TapCalibrations_Locations_LocationId",
                        column: x => x.LocationId,
                        principalTable: "Locations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_TapCalibrations_Taps_TapId",
                        column: x => x.TapId,
                        principalTable: "Taps",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Kegs_LocationId_Status_BeerTypeId",
                table: "Kegs",
                columns: new[] { "LocationId", "Status", "BeerTypeId" });

            // Existing kegs get their parts from their history, so that the check below holds for every row.
            foreach (var sql in TapRoom.Server.Features.Yield.YieldBackfill.Statements) migrationBuilder.Sql(sql);

            migrationBuilder.AddCheckConstraint(
                name: "CK_Kegs_PartsAddUp",
                table: "Kegs",
                sql: "\"RemainingVolumeMl\" + \"ChargedMl\" + \"BelowMinimumMl\" + \"CleaningMl\" + \"CalibrationMl\" + \"LeakMl\" + \"SpillMl\" + \"FoamMl\" + \"OtherMl\" + \"LossAtEmptyMl\" = \"NominalVolumeMl\"");

            migrationBuilder.CreateIndex(
                name: "IX_KegWaste_KegId",
                table: "KegWaste",
                column: "KegId");

            migrationBuilder.CreateIndex(
                name: "IX_KegWaste_LocationId_At",
                table: "KegWaste",
                columns: new[] { "LocationId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_TapCalibrations_KegId",
                table: "TapCalibrations",
                column: "KegId");

            migrationBuilder.CreateIndex(
                name: "IX_TapCalibrations_LocationId",
                table: "TapCalibrations",
                column: "LocationId");

            migrationBuilder.CreateIndex(
                name: "IX_TapCalibrations_TapId_StartedAt",
                table: "TapCalibrations",
                columns: new[] { "TapId", "StartedAt" });

            migrationBuilder.CreateIndex(
                name: "UX_TapCalibrations_PouringPerTap",
                table: "TapCalibrations",
                column: "TapId",
                unique: true,
                filter: "\"Status\" = 'pouring'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "KegWaste");

            migrationBuilder.DropTable(
                name: "TapCalibrations");

            migrationBuilder.DropIndex(
                name: "IX_Kegs_LocationId_Status_BeerTypeId",
                table: "Kegs");

            migrationBuilder.DropCheckConstraint(
                name: "CK_Kegs_PartsAddUp",
                table: "Kegs");

            migrationBuilder.DropColumn(
                name: "PulsesPerLiter",
                table: "Taps");

            migrationBuilder.DropColumn(
                name: "Policies_ReorderLeadDays",
                table: "Locations");

            migrationBuilder.DropColumn(
                name: "BelowMinimumMl",
                table: "Kegs");

            migrationBuilder.DropColumn(
                name: "CalibrationMl",
                table: "Kegs");

            migrationBuilder.DropColumn(
                name: "ChargedMl",
                table: "Kegs");

            migrationBuilder.DropColumn(
                name: "CleaningMl",
                table: "Kegs");

            migrationBuilder.DropColumn(
                name: "Cost",
                table: "Kegs");

            migrationBuilder.DropColumn(
                name: "FoamMl",
                table: "Kegs");

            migrationBuilder.DropColumn(
                name: "LeakMl",
                table: "Kegs");

            migrationBuilder.DropColumn(
                name: "LossAtEmptyMl",
                table: "Kegs");

            migrationBuilder.DropColumn(
                name: "OtherMl",
                table: "Kegs");

            migrationBuilder.DropColumn(
                name: "SpillMl",
                table: "Kegs");

            migrationBuilder.CreateIndex(
                name: "IX_Kegs_LocationId",
                table: "Kegs",
                column: "LocationId");
        }
    }
}
