using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SupportCommunity.Data;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;
using SupportCommunity.Rooms;
using SupportCommunity.Webhooks;

namespace SupportCommunity.Tickets;

/// <summary>
/// Escalation: a manager (or staff who may help privately in the room) turns a thread or a private conversation into
/// a ticket for its customer, with a snapshot of the chosen messages.
/// </summary>
public sealed partial class EscalationService(
    IDbContextFactory<CommunityDbContext> dbFactory,
    RoomDirectory directory,
    MessageService messages,
    TicketService tickets,
    TicketPublisher publisher,
    SlaPolicy sla,
    IOptions<TicketOptions> options,
    TimeProvider clock,
    ILogger<EscalationService> logger)
{
    private readonly TicketOptions _options = options.Value;

    /// <summary>
    /// Opens a ticket from a thread or a private conversation, or returns the open one it already has (unless
    /// <see cref="EscalateRequest.Force"/>). After commit the customer gets an in-room notice and a bell entry.
    /// </summary>
    public async Task<EscalationResult> EscalateAsync(Actor actor, EscalateRequest request, CancellationToken cancellationToken = default)
    {
        if (request is null)
        {
            throw CommunityException.Invalid("Say what to escalate.");
        }

        // Who may: the room must be readable (else "no such room"), and the caller must help privately there.
        var room = await directory.GetReadableAsync(actor, request.RoomSlug, cancellationToken);
        var helpsIn = room.Kind switch
        {
            RoomKind.Public => room.Id,
            RoomKind.Private => room.SourceRoomId,
            _ => throw CommunityException.Invalid("Escalate from a thread of a public room or from a private conversation."),
        };
        if (room.Kind == RoomKind.Private && actor.UserId == room.CustomerId
            || !await directory.HelpsPrivatelyAsync(actor, helpsIn, cancellationToken))
        {
            throw CommunityException.Forbidden("Only community managers, admins and staff who help in this room can escalate to a ticket.");
        }

        // What: validated before anything is read or stored.
        var subject = TicketRules.Subject(request.Subject);
        var priority = TicketRules.Priority(request.Priority);
        var category = TicketRules.Category(request.Category);
        var queue = tickets.DefaultQueue(request.Queue, room.Kind == RoomKind.Public ? room.Slug : "");
        var picked = Picked(request.IncludeSequences);
        if (request.Sequence is < 1)
        {
            throw CommunityException.Invalid("sequence must be a message's sequence in the room.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var roomRow = await db.Rooms.AsNoTracking().SingleAsync(r => r.Id == room.Id, cancellationToken);
        var source = room.Kind == RoomKind.Public
            ? await ThreadAsync(db, roomRow, request.Sequence ?? throw CommunityException.Invalid("Pick the message whose thread to escalate."), cancellationToken)
            : Conversation(roomRow, request.Sequence);
        var lines = await SelectAsync(db, roomRow, source, picked, cancellationToken);

        if (!request.Force && await FindOpenAsync(db, source.Key, cancellationToken) is { } existing)
        {
            return new EscalationResult(await tickets.DescribeAsync(db, actor, existing, cancellationToken), Created: false);
        }

        var requesterName = await db.Users.Where(u => u.Id == source.RequesterId).Select(u => u.DisplayName).SingleOrDefaultAsync(cancellationToken)
            ?? source.RequesterName;
        for (var attempt = 1; ; attempt++)
        {
            var now = clock.GetUtcNow();
            var ticket = new Ticket
            {
                RequesterId = source.RequesterId,
                RequesterName = requesterName,
                Subject = subject,
                Status = TicketStatus.New,
                Priority = priority,
                Category = category,
                Queue = queue,
                SourceKind = source.Kind,
                SourceRoomId = roomRow.Id,
                SourceRoomSlug = roomRow.Slug,
                SourceRoomName = roomRow.Name,
                SourceSequence = source.Sequence ?? lines[^1].Sequence,
                ThreadRootSequence = source.Root,
                SourceKey = source.Key,
                DedupeKey = request.Force ? null : source.Key,
                CreatedById = actor.UserId,
                CreatedByName = actor.DisplayName,
                CreatedAt = now,
                UpdatedAt = now,
                Version = 1,
                RequesterUpdatedAt = now,
                RequesterVersion = 1,
            };
            sla.Apply(ticket);

            TicketEntry escalation;
            try
            {
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                // Inside the transaction (which SQLite serialises): a racing escalation that committed first is seen here.
                if (!request.Force && await FindOpenAsync(db, source.Key, cancellationToken) is { } raced)
                {
                    return new EscalationResult(await tickets.DescribeAsync(db, actor, raced, cancellationToken), Created: false);
                }

                ticket.Number = (await db.Tickets.MaxAsync(t => (int?)t.Number, cancellationToken) ?? 0) + 1;
                db.Tickets.Add(ticket);
                await db.SaveChangesAsync(cancellationToken);

                db.TicketTranscriptLines.AddRange(lines.Select(m => new TicketTranscriptLine
                {
                    TicketId = ticket.Id,
                    Sequence = m.Sequence,
                    ReplyToSequence = m.ReplyToSequence,
                    AuthorId = m.AuthorId,
                    AuthorName = m.AuthorName,
                    AuthorRole = m.AuthorRole,
                    Body = m.Body,
                    CreatedAt = m.CreatedAt,
                    EditedAt = m.EditedAt,
                }));
                escalation = TicketService.Entry(ticket, actor, TicketEntryKind.Escalation, now, to: Place(roomRow));
                db.TicketEntries.Add(escalation);
                AuditLog.Add(db, actor, TicketAuditActions.Escalate, TicketService.Reason(ticket), now, ticket.RequesterId, ticket.RequesterName,
                    roomRow.Id, after: string.Create(CultureInfo.InvariantCulture, $"#{ticket.Number} {ticket.Priority} {ticket.Queue}"));
                await db.SaveChangesAsync(cancellationToken);
                WebhookOutbox.Enqueue(db, WebhookEventTypes.TicketCreated, TicketWebhookPayload.Of(ticket, [escalation], now), now);
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            catch (DbUpdateException) when (attempt < 5)
            {
                // Another escalation took this number, or this source's open-ticket slot, first.
                db.ChangeTracker.Clear();
                if (!request.Force && await FindOpenAsync(db, source.Key, cancellationToken) is { } winner)
                {
                    return new EscalationResult(await tickets.DescribeAsync(db, actor, winner, cancellationToken), Created: false);
                }

                continue;
            }

            await AnnounceAsync(actor, ticket, roomRow, source, escalation);
            return new EscalationResult(await tickets.DescribeAsync(db, actor, ticket, cancellationToken), Created: true);
        }
    }

    /// <summary>After commit: the desk and the customer hear of the ticket, the room gets a notice, the customer's bell rings.</summary>
    private async Task AnnounceAsync(Actor actor, Ticket ticket, Room room, Source source, TicketEntry escalation)
    {
        await publisher.PublishAsync(ticket, [TicketService.ToDto(escalation)], clock.GetUtcNow());

        var number = ticket.Number.ToString(CultureInfo.InvariantCulture);
        var notice = source.Kind == TicketSourceKind.Conversation
            ? $"I've passed this on to our support team as ticket #{number}: \"{MessageText.EscapeMarkdown(ticket.Subject)}\". You can follow it and reply under **My tickets**."
            : $"Escalated to ticket #{number}: our support team will follow up with {MessageText.EscapeMarkdown(ticket.RequesterName)} there.";
        try
        {
            // One notice per ticket, even if this step is retried: its client message id comes from the ticket.
            await messages.SendAsync(actor, room.Slug, NoticeId(ticket), notice, source.Kind == TicketSourceKind.Thread ? source.Root : null);
        }
        catch (Exception ex) when (ex is CommunityException or DbUpdateException)
        {
            NoticeFailed(ex, ticket.Number, room.Slug);
        }

        await publisher.NotifyAsync(ticket.RequesterId, ticket.Number, actor.DisplayName,
            $"Escalated your question to our support team: {ticket.Subject}");
    }

    private static Guid NoticeId(Ticket ticket) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes("ticket-notice:" + ticket.Id.ToString(CultureInfo.InvariantCulture)))[..16]);

    private static string Place(Room room) => room.Kind == RoomKind.Public ? "#" + room.Name : room.Name;

    /// <summary>The open (not solved, not closed) ticket of a source, newest first.</summary>
    private static Task<Ticket?> FindOpenAsync(CommunityDbContext db, string sourceKey, CancellationToken cancellationToken) =>
        db.Tickets.AsNoTracking()
            .Where(t => t.SourceKey == sourceKey && t.Status != TicketStatus.Solved && t.Status != TicketStatus.Closed)
            .OrderByDescending(t => t.Number)
            .FirstOrDefaultAsync(cancellationToken);

    private static HashSet<long>? Picked(IReadOnlyList<long>? sequences)
    {
        if (sequences is null || sequences.Count == 0)
        {
            return null;
        }

        if (sequences.Count > TicketOptions.MaxTranscriptLines)
        {
            throw CommunityException.Invalid($"A ticket can include at most {TicketOptions.MaxTranscriptLines} messages.");
        }

        if (sequences.Any(s => s < 1))
        {
            throw CommunityException.Invalid("includeSequences must be message sequences of the room.");
        }

        return [.. sequences];
    }

    /// <summary>A public message's thread: its root, and the customer it is for (the message's author, or the thread's).</summary>
    private static async Task<Source> ThreadAsync(CommunityDbContext db, Room room, long sequence, CancellationToken cancellationToken)
    {
        var message = await db.Messages.AsNoTracking().SingleOrDefaultAsync(m => m.RoomId == room.Id && m.Sequence == sequence, cancellationToken)
            ?? throw CommunityException.NotFound($"There is no message {sequence} in this room.");
        var root = message.ReplyToSequence ?? message.Sequence;
        var requester = message;
        if (CommunityRoles.IsStaff(message.AuthorRole) && root != message.Sequence)
        {
            requester = await db.Messages.AsNoTracking().SingleAsync(m => m.RoomId == room.Id && m.Sequence == root, cancellationToken);
        }

        if (CommunityRoles.IsStaff(requester.AuthorRole))
        {
            throw CommunityException.Invalid("A ticket is opened for a customer: escalate a customer's message or their thread.");
        }

        return new Source(TicketSourceKind.Thread, string.Create(CultureInfo.InvariantCulture, $"thread:{room.Id}:{root}"),
            requester.AuthorId, requester.AuthorName, sequence, root);
    }

    private static Source Conversation(Room room, long? upTo) =>
        new(TicketSourceKind.Conversation, string.Create(CultureInfo.InvariantCulture, $"conversation:{room.Id}"),
            room.CustomerId ?? throw new InvalidOperationException("A private conversation without a customer."), "Member", upTo, null);

    /// <summary>
    /// The messages to copy, oldest first: those picked (every one in the room, not deleted or hidden), or by default
    /// the thread (root and replies) or the conversation's newest <see cref="TicketOptions.ConversationLines"/>.
    /// </summary>
    private async Task<List<Message>> SelectAsync(CommunityDbContext db, Room room, Source source, HashSet<long>? picked, CancellationToken cancellationToken)
    {
        List<Message> lines;
        if (picked is not null)
        {
            lines = await db.Messages.AsNoTracking()
                .Where(m => m.RoomId == room.Id && picked.Contains(m.Sequence))
                .OrderBy(m => m.Sequence)
                .ToListAsync(cancellationToken);
            if (lines.Count != picked.Count)
            {
                var missing = picked.Except(lines.Select(m => m.Sequence)).Min();
                throw CommunityException.Invalid($"There is no message {missing} in this room to include.");
            }

            if (lines.FirstOrDefault(m => m.DeletedAt is not null || m.HiddenAt is not null) is { } gone)
            {
                throw CommunityException.Invalid($"Message {gone.Sequence} was deleted or is hidden and can't be included.");
            }

            return lines;
        }

        var visible = db.Messages.AsNoTracking().Where(m => m.RoomId == room.Id && m.DeletedAt == null && m.HiddenAt == null);
        if (source.Kind == TicketSourceKind.Thread)
        {
            var root = source.Root!.Value;
            // The thread's root and its newest replies, within the limit.
            lines = await visible
                .Where(m => m.Sequence == root || m.ReplyToSequence == root)
                .OrderByDescending(m => m.Sequence)
                .Take(TicketOptions.MaxTranscriptLines)
                .ToListAsync(cancellationToken);
            if (lines.Count == TicketOptions.MaxTranscriptLines && lines.All(m => m.Sequence != root)
                && await visible.SingleOrDefaultAsync(m => m.Sequence == root, cancellationToken) is { } first)
            {
                lines[^1] = first;
            }
        }
        else
        {
            var upTo = source.Sequence ?? long.MaxValue;
            lines = await visible
                .Where(m => m.Sequence <= upTo)
                .OrderByDescending(m => m.Sequence)
                .Take(_options.ConversationLines)
                .ToListAsync(cancellationToken);
        }

        if (lines.Count == 0)
        {
            throw CommunityException.Invalid("There are no messages to include in a ticket.");
        }

        lines.Reverse();
        return lines;
    }

    /// <summary>What is escalated. <see cref="Key"/>: what double escalation compares.</summary>
    private sealed record Source(
        TicketSourceKind Kind, string Key, string RequesterId, string RequesterName, long? Sequence, long? Root);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The notice of ticket #{Number} could not be posted in {RoomSlug}")]
    private partial void NoticeFailed(Exception exception, int number, string roomSlug);
}
