using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Rooms;

namespace SupportCommunity.Tickets;

internal sealed class TicketConfiguration : IEntityTypeConfiguration<Ticket>
{
    public void Configure(EntityTypeBuilder<Ticket> ticket)
    {
        // User ids as Identity stores them (450): indexable on SQL Server.
        ticket.Property(t => t.AssigneeId).HasMaxLength(450);
        ticket.Property(t => t.CreatedById).HasMaxLength(450);
        ticket.Property(t => t.RequesterName).HasMaxLength(MessageLimitsDefaults.DisplayNameLength);
        ticket.Property(t => t.AssigneeName).HasMaxLength(MessageLimitsDefaults.DisplayNameLength);
        ticket.Property(t => t.CreatedByName).HasMaxLength(MessageLimitsDefaults.DisplayNameLength);
        ticket.Property(t => t.Subject).HasMaxLength(TicketOptions.MaxSubjectLength);
        ticket.Property(t => t.Category).HasMaxLength(TicketOptions.MaxCategoryLength);
        ticket.Property(t => t.Queue).HasMaxLength(40);
        ticket.Property(t => t.SourceRoomSlug).HasMaxLength(64);
        ticket.Property(t => t.SourceRoomName).HasMaxLength(100);
        ticket.Property(t => t.SourceKey).HasMaxLength(100);
        ticket.Property(t => t.DedupeKey).HasMaxLength(100);
        ticket.Property(t => t.RatingComment).HasMaxLength(TicketOptions.MaxRatingCommentLength);

        // ADR-0011: an int raised on every save works alike on SQLite and SQL Server (no rowversion on SQLite).
        ticket.Property(t => t.Version).IsConcurrencyToken();

        ticket.HasIndex(t => t.Number).IsUnique();
        // One open ticket per thread or conversation, even when two escalations race (forced tickets hold no key).
        ticket.HasIndex(t => t.DedupeKey).IsUnique().HasFilter("DedupeKey IS NOT NULL");
        ticket.HasIndex(t => t.SourceKey);
        // The desk's sorts (keyset on each) and "My tickets".
        ticket.HasIndex(t => new { t.SlaDueKey, t.Number });
        ticket.HasIndex(t => new { t.Priority, t.Number });
        ticket.HasIndex(t => new { t.Status, t.Number });
        ticket.HasIndex(t => new { t.AssigneeId, t.Number });
        ticket.HasIndex(t => new { t.RequesterId, t.Number });

        ticket.HasOne<CommunityUser>().WithMany().HasForeignKey(t => t.RequesterId).OnDelete(DeleteBehavior.Restrict);
        ticket.HasOne<Room>().WithMany().HasForeignKey(t => t.SourceRoomId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class TicketTranscriptLineConfiguration : IEntityTypeConfiguration<TicketTranscriptLine>
{
    public void Configure(EntityTypeBuilder<TicketTranscriptLine> line)
    {
        line.Property(l => l.AuthorId).HasMaxLength(450);
        line.Property(l => l.AuthorName).HasMaxLength(MessageLimitsDefaults.DisplayNameLength);
        line.Property(l => l.AuthorRole).HasMaxLength(32);
        line.Property(l => l.Body).HasMaxLength(MessageLimitsDefaults.MaxBodyLength);
        line.HasIndex(l => new { l.TicketId, l.Sequence });
        line.HasOne<Ticket>().WithMany().HasForeignKey(l => l.TicketId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class TicketEntryConfiguration : IEntityTypeConfiguration<TicketEntry>
{
    public void Configure(EntityTypeBuilder<TicketEntry> entry)
    {
        entry.Property(e => e.AuthorId).HasMaxLength(450);
        entry.Property(e => e.AuthorName).HasMaxLength(MessageLimitsDefaults.DisplayNameLength);
        entry.Property(e => e.AuthorRole).HasMaxLength(32);
        entry.Property(e => e.Body).HasMaxLength(MessageLimitsDefaults.MaxBodyLength);
        entry.Property(e => e.From).HasMaxLength(100);
        entry.Property(e => e.To).HasMaxLength(100);
        entry.HasIndex(e => new { e.TicketId, e.Id });
        // Idempotent replies: one entry per author and client entry id.
        entry.HasIndex(e => new { e.AuthorId, e.ClientEntryId }).IsUnique().HasFilter("ClientEntryId IS NOT NULL");
        entry.HasOne<Ticket>().WithMany().HasForeignKey(e => e.TicketId).OnDelete(DeleteBehavior.Cascade);
    }
}
