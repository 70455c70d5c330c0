using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SupportCommunity.Migrations.SqlServer.Migrations
{
    /// <inheritdoc />
    public partial class TicketRequesterVersion : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "RequesterUpdatedAt",
                table: "Tickets",
                type: "datetimeoffset",
                nullable: false,
                defaultValue: new DateTimeOffset(new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)));

            migrationBuilder.AddColumn<int>(
                name: "RequesterVersion",
                table: "Tickets",
                type: "int",
                nullable: false,
                defaultValue: 0);

            // Tickets stored before: the customer has seen every change so far, notes included.
            migrationBuilder.Sql("UPDATE Tickets SET RequesterVersion = Version, RequesterUpdatedAt = UpdatedAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "RequesterUpdatedAt",
                table: "Tickets");

            migrationBuilder.DropColumn(
                name: "RequesterVersion",
                table: "Tickets");
        }
    }
}
