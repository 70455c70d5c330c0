using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SupportCommunity.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Tickets : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Tickets",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Number = table.Column<int>(type: "INTEGER", nullable: false),
                    RequesterId = table.Column<string>(type: "TEXT", nullable: false),
                    RequesterName = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Subject = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Status = table.Column<int>(type: "INTEGER", nullable: false),
                    Priority = table.Column<int>(type: "INTEGER", nullable: false),
                    Category = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                    Queue = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    AssigneeId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: true),
                    AssigneeName = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    SourceKind = table.Column<int>(type: "INTEGER", nullable: false),
                    SourceRoomId = table.Column<int>(type: "INTEGER", nullable: false),
                    SourceRoomSlug = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    SourceRoomName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    SourceSequence = table.Column<long>(type: "INTEGER", nullable: true),
                    ThreadRootSequence = table.Column<long>(type: "INTEGER", nullable: true),
                    SourceKey = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    DedupeKey = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    CreatedById = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    CreatedByName = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    FirstResponseDueAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    ResolutionDueAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    FirstRespondedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: true),
                    SolvedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: true),
                    SlaDueKey = table.Column<long>(type: "INTEGER", nullable: false),
                    Rating = table.Column<int>(type: "INTEGER", nullable: true),
                    RatingComment = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    RatedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: true),
                    Version = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Tickets", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Tickets_AspNetUsers_RequesterId",
                        column: x => x.RequesterId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_Tickets_Rooms_SourceRoomId",
                        column: x => x.SourceRoomId,
                        principalTable: "Rooms",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "TicketEntries",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TicketId = table.Column<long>(type: "INTEGER", nullable: false),
                    Kind = table.Column<int>(type: "INTEGER", nullable: false),
                    AuthorId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    AuthorName = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    AuthorRole = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Body = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    From = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    To = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    ClientEntryId = table.Column<Guid>(type: "TEXT", nullable: true),
                    At = table.Column<DateTimeOffset>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TicketEntries", x => x.Id);
                    table.ForeignKey(
                        name: "FK_TicketEntries_Tickets_TicketId",
                        column: x => x.TicketId,
                        principalTable: "Tickets",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "TicketTranscriptLines",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TicketId = table.Column<long>(type: "INTEGER", nullable: false),
                    Sequence = table.Column<long>(type: "INTEGER", nullable: false),
                    ReplyToSequence = table.Column<long>(type: "INTEGER", nullable: true),
                    AuthorId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    AuthorName = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    AuthorRole = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Body = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    EditedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TicketTranscriptLines", x => x.Id);
                    table.ForeignKey(
                        name: "FK_TicketTranscriptLines_Tickets_TicketId",
                        column: x => x.TicketId,
                        principalTable: "Tickets",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_TicketEntries_AuthorId_ClientEntryId",
                table: "TicketEntries",
                columns: new[] { "AuthorId", "ClientEntryId" },
                unique: true,
                filter: "ClientEntryId IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_TicketEntries_TicketId_Id",
                table: "TicketEntries",
                columns: new[] { "TicketId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Tickets_AssigneeId_Number",
                table: "Tickets",
                columns: new[] { "AssigneeId", "Number" });

            migrationBuilder.CreateIndex(
                name: "IX_Tickets_DedupeKey",
                table: "Tickets",
                column: "DedupeKey",
                unique: true,
                filter: "DedupeKey IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Tickets_Number",
                table: "Tickets",
                column: "Number",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Tickets_Priority_Number",
                table: "Tickets",
                columns: new[] { "Priority", "Number" });

            migrationBuilder.CreateIndex(
                name: "IX_Tickets_RequesterId_Number",
                table: "Tickets",
                columns: new[] { "RequesterId", "Number" });

            migrationBuilder.CreateIndex(
                name: "IX_Tickets_SlaDueKey_Number",
                table: "Tickets",
                columns: new[] { "SlaDueKey", "Number" });

            migrationBuilder.CreateIndex(
                name: "IX_Tickets_SourceKey",
                table: "Tickets",
                column: "SourceKey");

            migrationBuilder.CreateIndex(
                name: "IX_Tickets_SourceRoomId",
                table: "Tickets",
                column: "SourceRoomId");

            migrationBuilder.CreateIndex(
                name: "IX_Tickets_Status_Number",
                table: "Tickets",
                columns: new[] { "Status", "Number" });

            migrationBuilder.CreateIndex(
                name: "IX_TicketTranscriptLines_TicketId_Sequence",
                table: "TicketTranscriptLines",
                columns: new[] { "TicketId", "Sequence" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "TicketEntries");

            migrationBuilder.DropTable(
                name: "TicketTranscriptLines");

            migrationBuilder.DropTable(
                name: "Tickets");
        }
    }
}
