using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SupportCommunity.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class MessagesByAuthorInRoom : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Messages_AuthorId_RoomId_Sequence",
                table: "Messages",
                columns: new[] { "AuthorId", "RoomId", "Sequence" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Messages_AuthorId_RoomId_Sequence",
                table: "Messages");
        }
    }
}
