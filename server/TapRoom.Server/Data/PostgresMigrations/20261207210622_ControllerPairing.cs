using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TapRoom.Server.Data.PostgresMigrations
{
    /// <inheritdoc />
    public partial class ControllerPairing : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ControllerPairings",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Code = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    PollTokenHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    AgentVersion = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    HardwareId = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    RemoteAddress = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ExpiresAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    AdoptedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    ControllerId = table.Column<Guid>(type: "uuid", nullable: true),
                    KeyDeliveredAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ControllerPairings", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ControllerPairings_Controllers_ControllerId",
                        column: x => x.ControllerId,
                        principalTable: "Controllers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ControllerPairings_Code_ExpiresAt",
                table: "ControllerPairings",
                columns: new[] { "Code", "ExpiresAt" });

            migrationBuilder.CreateIndex(
                name: "IX_ControllerPairings_ControllerId",
                table: "ControllerPairings",
                column: "ControllerId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ControllerPairings");
        }
    }
}
