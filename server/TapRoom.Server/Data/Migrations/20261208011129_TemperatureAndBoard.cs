using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TapRoom.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class TemperatureAndBoard : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "BoardEnabled",
                table: "Locations",
                type: "INTEGER",
                nullable: false,
                defaultValue: true);

            migrationBuilder.AddColumn<string>(
                name: "ServingSizesMl",
                table: "Locations",
                type: "TEXT",
                maxLength: 100,
                nullable: false,
                defaultValue: "300,500");

            migrationBuilder.CreateTable(
                name: "TemperatureZones",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    LocationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                    MinC = table.Column<double>(type: "REAL", nullable: false),
                    MaxC = table.Column<double>(type: "REAL", nullable: false),
                    AlertAfterMinutes = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    LastCelsius = table.Column<double>(type: "REAL", nullable: true),
                    LastReadingAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    OutOfRangeSince = table.Column<DateTime>(type: "TEXT", nullable: true),
                    BackInRangeSince = table.Column<DateTime>(type: "TEXT", nullable: true),
                    AlertedSeverity = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TemperatureZones", x => x.Id);
                    table.ForeignKey(
                        name: "FK_TemperatureZones_Locations_LocationId",
                        column: x => x.LocationId,
                        principalTable: "Locations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "TemperatureReadings",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ZoneId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SensorId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Celsius = table.Column<double>(type: "REAL", nullable: false),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Averaged = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TemperatureReadings", x => x.Id);
                    table.ForeignKey(
                        name: "FK_TemperatureReadings_TemperatureZones_ZoneId",
                        column: x => x.ZoneId,
                        principalTable: "TemperatureZones",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "TemperatureSensors",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    ControllerId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SensorId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ZoneId = table.Column<Guid>(type: "TEXT", nullable: false),
                    LastReadingAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    SilentSince = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TemperatureSensors", x => x.Id);
                    table.ForeignKey(
                        name: "FK_TemperatureSensors_Controllers_ControllerId",
                        column: x => x.ControllerId,
                        principalTable: "Controllers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_TemperatureSensors_TemperatureZones_ZoneId",
                        column: x => x.ZoneId,
                        principalTable: "TemperatureZones",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_TemperatureReadings_Averaged_At",
                table: "TemperatureReadings",
                columns: new[] { "Averaged", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_TemperatureReadings_ZoneId_At",
                table: "TemperatureReadings",
                columns: new[] { "ZoneId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_TemperatureSensors_ControllerId_SensorId",
                table: "TemperatureSensors",
                columns: new[] { "ControllerId", "SensorId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_TemperatureSensors_LastReadingAt",
                table: "TemperatureSensors",
                column: "LastReadingAt");

            migrationBuilder.CreateIndex(
                name: "IX_TemperatureSensors_ZoneId",
                table: "TemperatureSensors",
                column: "ZoneId");

            migrationBuilder.CreateIndex(
                name: "IX_TemperatureZones_LocationId_Name",
                table: "TemperatureZones",
                columns: new[] { "LocationId", "Name" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "TemperatureReadings");

            migrationBuilder.DropTable(
                name: "TemperatureSensors");

            migrationBuilder.DropTable(
                name: "TemperatureZones");

            migrationBuilder.DropColumn(
                name: "BoardEnabled",
                table: "Locations");

            migrationBuilder.DropColumn(
                name: "ServingSizesMl",
                table: "Locations");
        }
    }
}
