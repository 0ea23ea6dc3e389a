using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TapRoom.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class DeskMoneyPolicyAndPaymentMethod : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "Policies_DeskMoneyWithoutOpenShift",
                table: "Locations",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "PaymentMethod",
                table: "Ledger",
                type: "TEXT",
                maxLength: 32,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Policies_DeskMoneyWithoutOpenShift",
                table: "Locations");

            migrationBuilder.DropColumn(
                name: "PaymentMethod",
                table: "Ledger");
        }
    }
}
