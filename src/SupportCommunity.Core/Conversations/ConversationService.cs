using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using SupportCommunity.Data;
using SupportCommunity.Events;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Rooms;

namespace SupportCommunity.Conversations;

/// <summary>
/// A private conversation as its page and lists show it. <see cref="NotesSlug"/> (the staff-only notes beside it) is
/// given to staff only.
/// </summary>
public sealed record ConversationDto(
    string Slug,
    string CustomerId,
    string CustomerName,
    string SourceRoomSlug,
    string SourceRoomName,
    long SourceSequence,
    string SourceExcerpt,
    string? NotesSlug,
    bool SummaryOptOut,
    long LastSequence,
    long Unread,
    DateTimeOffset CreatedAt);

/// <summary>
/// Answering privately (ADR-0007): staff open a private conversation from a customer's public message, help there,
/// and may post a public summary back under the question unless the customer opted out. The conversation, and its
/// staff notes, are rooms with restricted readers, so the messaging machinery is the same as in public rooms.
/// </summary>
public sealed class ConversationService(
    IDbContextFactory<CommunityDbContext> dbFactory,
    RoomDirectory directory,
    MessageService messages,
    IRoomEventBus bus,
    TimeProvider clock)
{
    private const int ExcerptLength = 120;

    /// <summary>Opens the private conversation for a public message's author, or returns the one already open for it.</summary>
    public async Task<ConversationDto> OpenAsync(Actor staff, string roomSlug, long sequence, CancellationToken cancellationToken = default)
    {
        var source = await directory.GetReadableAsync(staff, roomSlug, cancellationToken);
        if (!source.IsPublic)
        {
            throw CommunityException.Invalid("Private replies start from a message in a public room.");
        }

        if (!await directory.HelpsPrivatelyAsync(staff, source.Id, cancellationToken))
        {
            throw CommunityException.Forbidden("Only staff can reply privately.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var question = await db.Messages.SingleOrDefaultAsync(m => m.RoomId == source.Id && m.Sequence == sequence, cancellationToken)
            ?? throw CommunityException.NotFound($"There is no message {sequence} in this room.");
        if (question.DeletedAt is not null)
        {
            throw new CommunityException(CommunityError.Conflict, "This message was deleted.");
        }

        if (question.AuthorId == staff.UserId || CommunityRoles.IsStaff(question.AuthorRole))
        {
            throw CommunityException.Invalid("Reply privately is for customers' messages.");
        }

        var existing = await FindOpenedFromAsync(db, question.AuthorId, source.Id, sequence, cancellationToken);
        if (existing is null)
        {
            existing = await CreateAsync(db, staff, source, question, cancellationToken);
        }

        return await DescribeAsync(db, staff, existing, cancellationToken);
    }

    /// <summary>The conversation, if the caller may read it (its customer, or staff who help privately in its room).</summary>
    public async Task<ConversationDto> GetAsync(Actor actor, string slug, CancellationToken cancellationToken = default)
    {
        var key = await directory.GetReadableAsync(actor, slug, cancellationToken);
        if (key.Kind != RoomKind.Private)
        {
            throw RoomDirectory.NotFound(slug);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var room = await db.Rooms.AsNoTracking().SingleAsync(r => r.Id == key.Id, cancellationToken);
        return await DescribeAsync(db, actor, room, cancellationToken);
    }

    /// <summary>
    /// A customer's own conversations, or, for staff, those they may help in; newest activity first, with unread
    /// counts.
    /// </summary>
    public async Task<IReadOnlyList<ConversationDto>> ListAsync(Actor actor, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rooms = db.Rooms.AsNoTracking().Where(r => r.Kind == RoomKind.Private);
        if (actor.ManagesCommunity || actor.Roles.Contains(CommunityRoles.SupportAgent))
        {
            // every conversation
        }
        else if (actor.Roles.Contains(CommunityRoles.VolunteerModerator))
        {
            var moderated = db.RoomModerators.Where(g => g.UserId == actor.UserId).Select(g => g.RoomId);
            rooms = rooms.Where(r => r.CustomerId == actor.UserId || moderated.Contains(r.SourceRoomId!.Value));
        }
        else
        {
            rooms = rooms.Where(r => r.CustomerId == actor.UserId);
        }

        var list = await rooms.OrderByDescending(r => r.Id).Take(200).ToListAsync(cancellationToken);
        var result = new List<ConversationDto>(list.Count);
        foreach (var room in list)
        {
            result.Add(await DescribeAsync(db, actor, room, cancellationToken));
        }

        return result;
    }

    /// <summary>Posts staff's public summary as a reply under the original question, unless the customer opted out.</summary>
    public async Task<MessageDto> PostSummaryAsync(
        Actor staff, string slug, Guid clientMessageId, string? body, CancellationToken cancellationToken = default)
    {
        var key = await directory.GetReadableAsync(staff, slug, cancellationToken);
        if (key.Kind != RoomKind.Private)
        {
            throw RoomDirectory.NotFound(slug);
        }

        if (staff.UserId == key.CustomerId || !await directory.HelpsPrivatelyAsync(staff, key.SourceRoomId, cancellationToken))
        {
            throw CommunityException.Forbidden("Only staff can post a public summary.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var room = await db.Rooms.AsNoTracking().SingleAsync(r => r.Id == key.Id, cancellationToken);
        if (room.SummaryOptOut)
        {
            throw new CommunityException(CommunityError.Conflict, "The customer asked not to have a public summary of this conversation.");
        }

        var sourceSlug = await db.Rooms.Where(r => r.Id == room.SourceRoomId).Select(r => r.Slug).SingleAsync(cancellationToken);
        return await messages.SendAsync(staff, sourceSlug, clientMessageId, body, room.SourceSequence, cancellationToken);
    }

    /// <summary>The customer says whether staff may post a public summary of the conversation.</summary>
    public async Task<ConversationDto> SetSummaryOptOutAsync(Actor customer, string slug, bool optOut, CancellationToken cancellationToken = default)
    {
        var key = await directory.GetReadableAsync(customer, slug, cancellationToken);
        if (key.Kind != RoomKind.Private)
        {
            throw RoomDirectory.NotFound(slug);
        }

        if (customer.UserId != key.CustomerId)
        {
            throw CommunityException.Forbidden("Only the customer can choose this.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.Rooms.Where(r => r.Id == key.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.SummaryOptOut, optOut), cancellationToken);
        var room = await db.Rooms.AsNoTracking().SingleAsync(r => r.Id == key.Id, cancellationToken);
        return await DescribeAsync(db, customer, room, cancellationToken);
    }

    private static Task<Room?> FindOpenedFromAsync(CommunityDbContext db, string customerId, int sourceRoomId, long sequence, CancellationToken cancellationToken) =>
        db.Rooms.AsNoTracking().SingleOrDefaultAsync(
            r => r.Kind == RoomKind.Private && r.CustomerId == customerId && r.SourceRoomId == sourceRoomId && r.SourceSequence == sequence,
            cancellationToken);

    /// <summary>
    /// Creates the conversation and its notes room, and marks the public message, in one transaction; then tells the
    /// public room about the marker. Two staff opening it at once get the same conversation.
    /// </summary>
    private async Task<Room> CreateAsync(CommunityDbContext db, Actor staff, RoomKey source, Message question, CancellationToken cancellationToken)
    {
        var slug = "private-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var now = clock.GetUtcNow();
        var conversation = new Room
        {
            Slug = slug,
            Name = $"{question.AuthorName} · private",
            Topic = MessageText.Excerpt(question.Body, 300),
            Kind = RoomKind.Private,
            CustomerId = question.AuthorId,
            SourceRoomId = source.Id,
            SourceSequence = question.Sequence,
            OpenedById = staff.UserId,
            CreatedAt = now,
        };

        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            db.Rooms.Add(conversation);
            await db.SaveChangesAsync(cancellationToken);
            db.Rooms.Add(new Room
            {
                Slug = slug + "-notes",
                Name = $"{question.AuthorName} · staff notes",
                Kind = RoomKind.StaffNotes,
                CustomerId = question.AuthorId,
                SourceRoomId = source.Id,
                ParentRoomId = conversation.Id,
                OpenedById = staff.UserId,
                CreatedAt = now,
            });

            // The public marker is a change to the message like an edit: a new room revision, so catch-up carries it.
            await db.Rooms.Where(r => r.Id == source.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.Revision, r => r.Revision + 1), cancellationToken);
            question.Revision = await db.Rooms.Where(r => r.Id == source.Id).Select(r => r.Revision).SingleAsync(cancellationToken);
            question.HelpedPrivately = true;
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another staff member opened it at the same moment: theirs is the conversation.
            db.ChangeTracker.Clear();
            return await FindOpenedFromAsync(db, question.AuthorId, source.Id, question.Sequence, cancellationToken)
                ?? throw new CommunityException(CommunityError.Conflict, "The conversation could not be opened. Please try again.");
        }

        await bus.PublishAsync(new MessageChanged(MessageDto.From(question, source.Slug)), CancellationToken.None);
        return conversation;
    }

    private static async Task<ConversationDto> DescribeAsync(CommunityDbContext db, Actor actor, Room room, CancellationToken cancellationToken)
    {
        var details = await db.Rooms.AsNoTracking()
            .Where(r => r.Id == room.SourceRoomId)
            .Select(r => new
            {
                r.Slug,
                r.Name,
                Customer = db.Users.Where(u => u.Id == room.CustomerId).Select(u => u.DisplayName).FirstOrDefault(),
                Question = db.Messages.Where(m => m.RoomId == r.Id && m.Sequence == room.SourceSequence)
                    .Select(m => new { m.Body, m.DeletedAt }).FirstOrDefault(),
                Read = db.RoomReadStates.Where(s => s.RoomId == room.Id && s.UserId == actor.UserId)
                    .Select(s => (long?)s.LastReadSequence).FirstOrDefault(),
                Notes = db.Rooms.Where(n => n.ParentRoomId == room.Id).Select(n => n.Slug).FirstOrDefault(),
            })
            .SingleAsync(cancellationToken);
        var isStaff = actor.UserId != room.CustomerId;
        var excerpt = details.Question is null || details.Question.DeletedAt is not null ? "(removed)" : MessageText.Excerpt(details.Question.Body, ExcerptLength);
        return new ConversationDto(
            room.Slug,
            room.CustomerId ?? "",
            details.Customer ?? "Member",
            details.Slug,
            details.Name,
            room.SourceSequence ?? 0,
            excerpt,
            isStaff ? details.Notes : null,
            room.SummaryOptOut,
            room.LastSequence,
            room.LastSequence - (details.Read ?? 0),
            room.CreatedAt);
    }
}
