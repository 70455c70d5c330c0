using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SupportCommunity.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class PrivateConversationsAndNotifications : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "CustomerId",
                table: "Rooms",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Kind",
                table: "Rooms",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "OpenedById",
                table: "Rooms",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ParentRoomId",
                table: "Rooms",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "SourceRoomId",
                table: "Rooms",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "SourceSequence",
                table: "Rooms",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "SummaryOptOut",
                table: "Rooms",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "HelpedPrivately",
                table: "Messages",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<int>(
                name: "ReplyCount",
                table: "Messages",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "Notifications",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    UserId = table.Column<string>(type: "TEXT", nullable: false),
                    Kind = table.Column<int>(type: "INTEGER", nullable: false),
                    RoomId = table.Column<int>(type: "INTEGER", nullable: false),
                    RoomSlug = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    RoomName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Sequence = table.Column<long>(type: "INTEGER", nullable: false),
                    ActorName = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Excerpt = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    ReadAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Notifications", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Notifications_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Rooms_CustomerId_SourceRoomId_SourceSequence",
                table: "Rooms",
                columns: new[] { "CustomerId", "SourceRoomId", "SourceSequence" },
                unique: true,
                filter: "SourceSequence IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Rooms_ParentRoomId",
                table: "Rooms",
                column: "ParentRoomId");

            migrationBuilder.CreateIndex(
                name: "IX_Messages_RoomId_ReplyToSequence",
                table: "Messages",
                columns: new[] { "RoomId", "ReplyToSequence" });

            migrationBuilder.CreateIndex(
                name: "IX_Notifications_UserId_Id",
                table: "Notifications",
                columns: new[] { "UserId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Notifications_UserId_ReadAt",
                table: "Notifications",
                columns: new[] { "UserId", "ReadAt" });

            migrationBuilder.AddForeignKey(
                name: "FK_Rooms_AspNetUsers_CustomerId",
                table: "Rooms",
                column: "CustomerId",
                principalTable: "AspNetUsers",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_Rooms_AspNetUsers_CustomerId",
                table: "Rooms");

            migrationBuilder.DropTable(
                name: "Notifications");

            migrationBuilder.DropIndex(
                name: "IX_Rooms_CustomerId_SourceRoomId_SourceSequence",
                table: "Rooms");

            migrationBuilder.DropIndex(
                name: "IX_Rooms_ParentRoomId",
                table: "Rooms");

            migrationBuilder.DropIndex(
                name: "IX_Messages_RoomId_ReplyToSequence",
                table: "Messages");

            migrationBuilder.DropColumn(
                name: "CustomerId",
                table: "Rooms");

            migrationBuilder.DropColumn(
                name: "Kind",
                table: "Rooms");

            migrationBuilder.DropColumn(
                name: "OpenedById",
                table: "Rooms");

            migrationBuilder.DropColumn(
                name: "ParentRoomId",
                table: "Rooms");

            migrationBuilder.DropColumn(
                name: "SourceRoomId",
                table: "Rooms");

            migrationBuilder.DropColumn(
                name: "SourceSequence",
                table: "Rooms");

            migrationBuilder.DropColumn(
                name: "SummaryOptOut",
                table: "Rooms");

            migrationBuilder.DropColumn(
                name: "HelpedPrivately",
                table: "Messages");

            migrationBuilder.DropColumn(
                name: "ReplyCount",
                table: "Messages");
        }
    }
}
