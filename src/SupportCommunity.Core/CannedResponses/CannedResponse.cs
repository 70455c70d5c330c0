using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using SupportCommunity.Identity;
using SupportCommunity.Messages;

namespace SupportCommunity.CannedResponses;

/// <summary>
/// A ready-made answer that staff and volunteer moderators insert with <c>/shortcut</c> in any composer. Shared ones
/// are for every staff member and moderator (community managers and admins keep them); personal ones only for their
/// owner. The body may hold placeholders (<see cref="CannedPlaceholders"/>), filled in when it is inserted.
/// </summary>
public sealed class CannedResponse
{
    public int Id { get; set; }

    /// <summary>What follows the <c>/</c>: lower case letters, digits, <c>-</c> and <c>_</c>.</summary>
    public required string Shortcut { get; set; }

    public required string Title { get; set; }

    /// <summary>Markdown, normalised like a message body.</summary>
    public required string Body { get; set; }

    /// <summary>Visible to all staff and moderators; otherwise only to <see cref="OwnerId"/>.</summary>
    public bool Shared { get; set; }

    /// <summary>Whose personal response it is; for a shared one, who added it (or last made it shared).</summary>
    public required string OwnerId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Soft delete: set when deleted, cleared by an undo.</summary>
    public DateTimeOffset? DeletedAt { get; set; }
}

internal sealed class CannedResponseConfiguration : IEntityTypeConfiguration<CannedResponse>
{
    public void Configure(EntityTypeBuilder<CannedResponse> canned)
    {
        canned.Property(c => c.Shortcut).HasMaxLength(CannedResponseService.MaxShortcutLength);
        canned.Property(c => c.Title).HasMaxLength(CannedResponseService.MaxTitleLength);
        canned.Property(c => c.Body).HasMaxLength(MessageLimitsDefaults.MaxBodyLength);
        // The picker reads the shared ones and the caller's own: a few hundred rows at most (the service caps them).
        canned.HasOne<CommunityUser>().WithMany().HasForeignKey(c => c.OwnerId).OnDelete(DeleteBehavior.Restrict);
    }
}
