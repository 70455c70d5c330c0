using SupportCommunity.Moderation;
using SupportCommunity.Notifications;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Rooms;

namespace SupportCommunity.Data;

internal sealed class CommunityUserConfiguration : IEntityTypeConfiguration<CommunityUser>
{
    public void Configure(EntityTypeBuilder<CommunityUser> user)
    {
        user.Property(u => u.DisplayName).HasMaxLength(MessageLimitsDefaults.DisplayNameLength);
    }
}

internal sealed class RoomConfiguration : IEntityTypeConfiguration<Room>
{
    public void Configure(EntityTypeBuilder<Room> room)
    {
        room.Property(r => r.Slug).HasMaxLength(64);
        room.Property(r => r.Name).HasMaxLength(100);
        room.Property(r => r.Topic).HasMaxLength(300);
        room.HasIndex(r => r.Slug).IsUnique();
        // "My conversations", and reusing the conversation already opened from a message.
        room.HasIndex(r => new { r.CustomerId, r.SourceRoomId, r.SourceSequence }).IsUnique().HasFilter("SourceSequence IS NOT NULL");
        room.HasIndex(r => r.ParentRoomId);
        room.Property(r => r.LockMessage).HasMaxLength(300);
        room.Property(r => r.Rules).HasMaxLength(MessageLimitsDefaults.MaxBodyLength);
        room.HasOne<CommunityUser>().WithMany().HasForeignKey(r => r.CustomerId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class RoomModeratorConfiguration : IEntityTypeConfiguration<RoomModerator>
{
    public void Configure(EntityTypeBuilder<RoomModerator> grant)
    {
        grant.HasKey(g => new { g.RoomId, g.UserId });
        grant.HasOne<Room>().WithMany().HasForeignKey(g => g.RoomId).OnDelete(DeleteBehavior.Cascade);
        grant.HasOne<CommunityUser>().WithMany().HasForeignKey(g => g.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class RoomReadStateConfiguration : IEntityTypeConfiguration<RoomReadState>
{
    public void Configure(EntityTypeBuilder<RoomReadState> state)
    {
        state.HasKey(s => new { s.UserId, s.RoomId });
        state.HasOne<Room>().WithMany().HasForeignKey(s => s.RoomId).OnDelete(DeleteBehavior.Cascade);
        state.HasOne<CommunityUser>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class MessageConfiguration : IEntityTypeConfiguration<Message>
{
    public void Configure(EntityTypeBuilder<Message> message)
    {
        message.Property(m => m.Body).HasMaxLength(MessageLimitsDefaults.MaxBodyLength);
        message.Property(m => m.AuthorName).HasMaxLength(MessageLimitsDefaults.DisplayNameLength);
        message.Property(m => m.AuthorRole).HasMaxLength(32);

        // History pages are keyset reads on (room, sequence); the unique index also guards the gap-free numbering.
        message.HasIndex(m => new { m.RoomId, m.Sequence }).IsUnique();
        // Catch-up reads what changed in a room after a revision.
        message.HasIndex(m => new { m.RoomId, m.Revision });
        // Idempotent sends: one message per author and client message id.
        message.HasIndex(m => new { m.AuthorId, m.ClientMessageId }).IsUnique();
        // A thread's replies.
        message.HasIndex(m => new { m.RoomId, m.ReplyToSequence });
        // A member's latest messages in a room (slow mode and duplicates on every send, a member's history for
        // moderators): without it, a member with few messages in a long room made each send scan the room's history.
        message.HasIndex(m => new { m.AuthorId, m.RoomId, m.Sequence });

        message.HasOne<Room>().WithMany().HasForeignKey(m => m.RoomId).OnDelete(DeleteBehavior.Restrict);
        message.HasOne<CommunityUser>().WithMany().HasForeignKey(m => m.AuthorId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class NotificationConfiguration : IEntityTypeConfiguration<Notification>
{
    public void Configure(EntityTypeBuilder<Notification> notification)
    {
        notification.Property(n => n.RoomSlug).HasMaxLength(64);
        notification.Property(n => n.RoomName).HasMaxLength(100);
        notification.Property(n => n.ActorName).HasMaxLength(MessageLimitsDefaults.DisplayNameLength);
        notification.Property(n => n.Excerpt).HasMaxLength(Notification.ExcerptLength);
        // The bell: a user's newest first, by keyset on the id; unread counts.
        notification.HasIndex(n => new { n.UserId, n.Id });
        notification.HasIndex(n => new { n.UserId, n.ReadAt });
        notification.HasOne<CommunityUser>().WithMany().HasForeignKey(n => n.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class SanctionConfiguration : IEntityTypeConfiguration<Sanction>
{
    public void Configure(EntityTypeBuilder<Sanction> sanction)
    {
        sanction.Property(s => s.Reason).HasMaxLength(500);
        // "Is this user sanctioned now?" on every send and join.
        sanction.HasIndex(s => new { s.UserId, s.RevokedAt, s.ExpiresAt });
        sanction.HasOne<CommunityUser>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
        sanction.HasOne<Room>().WithMany().HasForeignKey(s => s.RoomId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> entry)
    {
        entry.Property(e => e.Action).HasMaxLength(64);
        entry.Property(e => e.ActorName).HasMaxLength(MessageLimitsDefaults.DisplayNameLength);
        entry.Property(e => e.TargetName).HasMaxLength(MessageLimitsDefaults.DisplayNameLength);
        entry.Property(e => e.Reason).HasMaxLength(500);
        entry.Property(e => e.Before).HasMaxLength(MessageLimitsDefaults.MaxBodyLength);
        entry.Property(e => e.After).HasMaxLength(MessageLimitsDefaults.MaxBodyLength);
        // The audit view: newest first, filtered by action, actor or target.
        entry.HasIndex(e => e.At);
        entry.HasIndex(e => new { e.Action, e.At });
        entry.HasIndex(e => new { e.TargetUserId, e.At });
        entry.HasIndex(e => new { e.ActorId, e.At });
    }
}

internal sealed class MessageEditConfiguration : IEntityTypeConfiguration<MessageEdit>
{
    public void Configure(EntityTypeBuilder<MessageEdit> edit)
    {
        edit.Property(e => e.Body).HasMaxLength(MessageLimitsDefaults.MaxBodyLength);
        edit.HasIndex(e => new { e.MessageId, e.Id });
        edit.HasOne<Message>().WithMany().HasForeignKey(e => e.MessageId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ReportConfiguration : IEntityTypeConfiguration<Report>
{
    public void Configure(EntityTypeBuilder<Report> report)
    {
        report.Property(r => r.Reason).HasMaxLength(500);
        report.Property(r => r.Resolution).HasMaxLength(500);
        // The queue: open reports, oldest first; one report per member and message.
        report.HasIndex(r => new { r.Status, r.Id });
        report.HasIndex(r => new { r.MessageId, r.ReporterId }).IsUnique();
        report.HasOne<Message>().WithMany().HasForeignKey(r => r.MessageId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class HeldMessageConfiguration : IEntityTypeConfiguration<HeldMessage>
{
    public void Configure(EntityTypeBuilder<HeldMessage> held)
    {
        held.Property(h => h.Body).HasMaxLength(MessageLimitsDefaults.MaxBodyLength);
        held.Property(h => h.AuthorName).HasMaxLength(MessageLimitsDefaults.DisplayNameLength);
        held.Property(h => h.AuthorRole).HasMaxLength(32);
        held.Property(h => h.Rule).HasMaxLength(100);
        held.HasIndex(h => new { h.Status, h.Id });
        held.HasIndex(h => new { h.AuthorId, h.ClientMessageId }).IsUnique();
        held.HasOne<Room>().WithMany().HasForeignKey(h => h.RoomId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class AutomodRuleConfiguration : IEntityTypeConfiguration<AutomodRule>
{
    public void Configure(EntityTypeBuilder<AutomodRule> rule)
    {
        rule.Property(r => r.Name).HasMaxLength(100);
        rule.Property(r => r.Pattern).HasMaxLength(500);
        rule.Property(r => r.Replacement).HasMaxLength(200);
    }
}

internal sealed class RuleAcceptanceConfiguration : IEntityTypeConfiguration<RuleAcceptance>
{
    public void Configure(EntityTypeBuilder<RuleAcceptance> acceptance)
    {
        acceptance.HasKey(a => new { a.UserId, a.RoomId });
        acceptance.HasOne<Room>().WithMany().HasForeignKey(a => a.RoomId).OnDelete(DeleteBehavior.Cascade);
        acceptance.HasOne<CommunityUser>().WithMany().HasForeignKey(a => a.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
