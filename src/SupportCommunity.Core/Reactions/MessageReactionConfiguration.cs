using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using SupportCommunity.Identity;
using SupportCommunity.Messages;

namespace SupportCommunity.Reactions;

internal sealed class MessageReactionConfiguration : IEntityTypeConfiguration<MessageReaction>
{
    public void Configure(EntityTypeBuilder<MessageReaction> reaction)
    {
        reaction.Property(r => r.Emoji).HasMaxLength(16);
        // One of each emoji per member and message: a repeated "add" stores nothing new.
        reaction.HasIndex(r => new { r.MessageId, r.UserId, r.Emoji }).IsUnique();
        reaction.HasOne<Message>().WithMany().HasForeignKey(r => r.MessageId).OnDelete(DeleteBehavior.Cascade);
        reaction.HasOne<CommunityUser>().WithMany().HasForeignKey(r => r.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

