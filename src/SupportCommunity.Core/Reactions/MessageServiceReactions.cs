using Microsoft.EntityFrameworkCore;
using SupportCommunity.Events;
using SupportCommunity.Identity;
using SupportCommunity.Reactions;
using SupportCommunity.Rooms;

namespace SupportCommunity.Messages;

public sealed partial class MessageService
{
    /// <summary>
    /// Adds or removes the actor's <paramref name="emoji"/> on a message: flips it, or with <paramref name="on"/> sets
    /// it (a retried set changes nothing). Whoever may read the room and post in it may react: not a timed-out or
    /// banned member, nor a member in a locked room or one whose rules they have not accepted (staff and the room's
    /// moderators may); slow mode does not apply. Every toggle counts against the reaction limit
    /// (<see cref="CommunityLimits.ReactionToggles"/>) before anything is read. Deleted and hidden messages take no
    /// reactions. A change is a new room revision on the message, like an edit, so catch-up brings it, and is
    /// published as <c>MessageChanged</c> after the commit.
    /// </summary>
    public async Task<MessageDto> ToggleReactionAsync(
        Actor actor, long messageId, string? emoji, bool? on = null, CancellationToken cancellationToken = default)
    {
        var reaction = ReactionSummary.Normalize(emoji)
            ?? throw CommunityException.Invalid($"Reactions are one of {string.Join(" ", ReactionSummary.Allowed)}.");

        // Counted first, whatever comes of it: a script toggling in a loop costs one limiter call per attempt, and the
        // refusal reads the same for any message id (no existence leak).
        await floodGuard.ChargeReactionAsync(actor);

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var (message, room) = await FindMessageAsync(db, actor, messageId, cancellationToken);
        EnsureReactable(message);
        await EnsureMayPostAsync(actor, room.Id, cancellationToken);
        await admission.CheckReactionAsync(
            actor, new RoomKey(room.Id, room.Slug, room.Kind, room.CustomerId, room.SourceRoomId), cancellationToken);

        var now = clock.GetUtcNow();
        var changed = false;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            // Lock the room row (every change in the room takes it first), then decide on what is stored now: two
            // toggles at once apply one after the other, never both to what each read. No change rolls back.
            await db.Rooms.Where(r => r.Id == room.Id).ExecuteUpdateAsync(
                s => s.SetProperty(r => r.Revision, r => r.Revision + 1), cancellationToken);
            await db.Entry(message).ReloadAsync(cancellationToken);
            EnsureReactable(message);
            var current = await db.MessageReactions.Where(r => r.MessageId == message.Id).ToListAsync(cancellationToken);
            var mine = current.SingleOrDefault(r => r.UserId == actor.UserId && r.Emoji == reaction);
            if ((on ?? mine is null) != (mine is not null))
            {
                if (mine is not null)
                {
                    db.MessageReactions.Remove(mine);
                    current.Remove(mine);
                }
                else if (current.Count >= ReactionSummary.MaxPerMessage)
                {
                    throw new CommunityException(CommunityError.Conflict,
                        $"This message has {ReactionSummary.MaxPerMessage} reactions, the most it can hold.");
                }
                else
                {
                    var added = new MessageReaction { MessageId = message.Id, UserId = actor.UserId, Emoji = reaction, CreatedAt = now };
                    db.MessageReactions.Add(added);
                    current.Add(added);
                }

                // Like an edit: the message's new revision is the room's, so catch-up after any earlier point brings it.
                message.Revision = await db.Rooms.Where(r => r.Id == room.Id).Select(r => r.Revision).SingleAsync(cancellationToken);
                message.Reactions = ReactionSummary.Write(current.Select(r => (r.Emoji, r.UserId)));
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                changed = true;
            }
        }

        var dto = MessageDto.From(message, room.Slug);
        if (changed)
        {
            await PublishAsync(new MessageChanged(dto));
        }

        return dto;
    }

    private static void EnsureReactable(Message message)
    {
        if (message.DeletedAt is not null)
        {
            throw new CommunityException(CommunityError.Conflict, "This message was deleted and can't take reactions.");
        }

        if (message.HiddenAt is not null)
        {
            throw new CommunityException(CommunityError.Conflict, "This message is hidden while a moderator reviews it and can't take reactions.");
        }
    }
}
