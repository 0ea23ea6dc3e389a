using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TapRoom.Server.Data.PostgresMigrations
{
    /// <inheritdoc />
    public partial class StaffSessionsAndLocationSlug : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Slug",
                table: "Locations",
                type: "character varying(40)",
                maxLength: 40,
                nullable: false,
                defaultValue: "");

            // The existing venue gets a slug from its name ("TapRoom" → "taproom", as Location.SlugFrom makes it);
            // a name that gives none, or one another venue already has, gets "venue-" and the start of its id.
            migrationBuilder.Sql("""
                UPDATE "Locations" SET "Slug" = trim(both '-' from left(trim(both '-' from regexp_replace(lower("Name"), '[^a-z0-9]+', '-', 'g')), 40));
                UPDATE "Locations" SET "Slug" = 'venue-' || left(replace("Id"::text, '-', ''), 8)
                WHERE "Slug" !~ '^[a-z0-9-]{2,40}$'
                   OR "Slug" IN (SELECT "Slug" FROM "Locations" GROUP BY "Slug" HAVING count(*) > 1);
                """);

            migrationBuilder.CreateTable(
                name: "StaffSessions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    StaffUserId = table.Column<Guid>(type: "uuid", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    LastSeenAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    EndedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_StaffSessions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_StaffSessions_StaffUsers_StaffUserId",
                        column: x => x.StaffUserId,
                        principalTable: "StaffUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Locations_Slug",
                table: "Locations",
                column: "Slug",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_StaffSessions_StaffUserId",
                table: "StaffSessions",
                column: "StaffUserId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "StaffSessions");

            migrationBuilder.DropIndex(
                name: "IX_Locations_Slug",
                table: "Locations");

            migrationBuilder.DropColumn(
                name: "Slug",
                table: "Locations");
        }
    }
}
