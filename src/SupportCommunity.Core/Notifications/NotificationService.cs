using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SupportCommunity.Data;
using SupportCommunity.Events;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Rooms;

namespace SupportCommunity.Notifications;

/// <summary>
/// The bell. A posted message notifies the people it concerns: those it mentions, the other side of a private
/// conversation, and the author of the thread it replies in. Only people who may read the room are notified, so a
/// staff note or a private conversation never reaches anyone else through the bell.
/// </summary>
public sealed partial class NotificationService(
    IDbContextFactory<CommunityDbContext> dbFactory,
    RoomDirectory directory,
    IRoomEventBus bus,
    TimeProvider clock,
    ILogger<NotificationService> logger)
{
    public const int PageSize = 30;

    /// <summary>At most this many people are notified by the mentions of one message.</summary>
    public const int MaxMentions = 10;

    /// <summary>A page of the caller's bell, newest first, before the entry <paramref name="beforeId"/>.</summary>
    public async Task<NotificationPage> ListAsync(Actor actor, long? beforeId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var before = beforeId ?? long.MaxValue;
        var items = await db.Notifications.AsNoTracking()
            .Where(n => n.UserId == actor.UserId && n.Id < before)
            .OrderByDescending(n => n.Id)
            .Take(PageSize + 1)
            .ToListAsync(cancellationToken);
        var unread = await db.Notifications.CountAsync(n => n.UserId == actor.UserId && n.ReadAt == null, cancellationToken);
        return new NotificationPage([.. items.Take(PageSize).Select(NotificationDto.From)], items.Count > PageSize, unread);
    }

    /// <summary>Marks the caller's entries read: one (<paramref name="id"/>), or all of them. Other tabs hear of it.</summary>
    public async Task<int> MarkReadAsync(Actor actor, long? id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow();
        await db.Notifications
            .Where(n => n.UserId == actor.UserId && n.ReadAt == null && (id == null || n.Id == id))
            .ExecuteUpdateAsync(s => s.SetProperty(n => n.ReadAt, now), cancellationToken);
        var unread = await db.Notifications.CountAsync(n => n.UserId == actor.UserId && n.ReadAt == null, cancellationToken);
        await bus.PublishAsync(new NotificationsRead(actor.UserId, unread), CancellationToken.None);
        return unread;
    }

    /// <summary>
    /// Creates the notifications a newly posted message calls for, and pushes them live. For a message announced
    /// <paramref name="again"/> (a retry), only the ones not created already: the node that stored it may have died
    /// before creating them.
    /// </summary>
    public async Task NotifyAsync(MessageDto message, bool again = false, CancellationToken cancellationToken = default)
    {
        if (message.Deleted || message.Body is null)
        {
            return;
        }

        var room = await directory.GetAsync(message.RoomSlug, cancellationToken);
        if (room.IsPublic && message.ReplyToSequence is null && !message.Body.Contains('@', StringComparison.Ordinal))
        {
            return; // most messages concern no one in particular: no query for them
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var roomRow = await db.Rooms.AsNoTracking()
            .Where(r => r.Id == room.Id)
            .Select(r => new { r.Name, r.CustomerId, r.OpenedById })
            .SingleAsync(cancellationToken);

        var recipients = new Dictionary<string, NotificationKind>(StringComparer.Ordinal);
        if (room.Kind == RoomKind.Private)
        {
            var other = message.AuthorId == roomRow.CustomerId ? roomRow.OpenedById : roomRow.CustomerId;
            if (other is not null)
            {
                recipients[other] = NotificationKind.PrivateReply;
            }
        }

        if (message.ReplyToSequence is { } root)
        {
            var rootAuthor = await db.Messages.AsNoTracking()
                .Where(m => m.RoomId == room.Id && m.Sequence == root)
                .Select(m => m.AuthorId)
                .SingleOrDefaultAsync(cancellationToken);
            if (rootAuthor is not null)
            {
                recipients.TryAdd(rootAuthor, NotificationKind.ThreadReply);
            }
        }

        foreach (var mentioned in await FindMentionedAsync(db, message.Body, cancellationToken))
        {
            recipients[mentioned] = NotificationKind.Mention;
        }

        recipients.Remove(message.AuthorId);
        if (again && recipients.Count > 0)
        {
            var notifiedIds = recipients.Keys.ToList();
            var notified = await db.Notifications
                .Where(n => notifiedIds.Contains(n.UserId) && n.RoomId == room.Id && n.Sequence == message.Sequence)
                .Select(n => n.UserId)
                .ToListAsync(cancellationToken);
            notified.ForEach(userId => recipients.Remove(userId));
        }

        if (recipients.Count == 0)
        {
            return;
        }

        // Only people who may read the room: a customer mentioned in a staff note hears nothing of it.
        var ids = recipients.Keys.ToList();
        var roles = (await db.UserRoles
                .Where(ur => ids.Contains(ur.UserId))
                .Join(db.Roles, ur => ur.RoleId, r => r.Id, (ur, r) => new { ur.UserId, r.Name })
                .ToListAsync(cancellationToken))
            .ToLookup(x => x.UserId, x => x.Name ?? "");
        var notifications = new List<Notification>();
        foreach (var (userId, kind) in recipients)
        {
            var reader = new Actor(userId, "", roles[userId].ToHashSet(StringComparer.Ordinal));
            if (!await directory.CanReadAsync(reader, room, cancellationToken))
            {
                continue;
            }

            notifications.Add(new Notification
            {
                UserId = userId,
                Kind = kind,
                RoomId = room.Id,
                RoomSlug = room.Slug,
                RoomName = roomRow.Name,
                Sequence = message.Sequence,
                ActorName = message.AuthorName,
                Excerpt = MessageText.Excerpt(message.Body, Notification.ExcerptLength),
                CreatedAt = message.CreatedAt,
            });
        }

        db.Notifications.AddRange(notifications);
        await db.SaveChangesAsync(cancellationToken);

        foreach (var notification in notifications)
        {
            var unread = await db.Notifications.CountAsync(n => n.UserId == notification.UserId && n.ReadAt == null, cancellationToken);
            await bus.PublishAsync(new NotificationAdded(notification.UserId, NotificationDto.From(notification), unread), CancellationToken.None);
        }
    }

    /// <summary>
    /// The users a text mentions: <c>@</c> followed by a display name (which may have spaces), matched without regard
    /// to case; the longest name wins ("@Maya Chen" over a "Maya").
    /// </summary>
    /// <remarks>
    /// The database's <c>lower()</c> folds only ASCII letters on SQLite, so a name with another capital ("Émile Zola")
    /// never equals a lower-cased mention there. Names are therefore also looked up as typed (autocomplete inserts the
    /// exact name) and in title case, and the final match is made here, without regard to case.
    /// </remarks>
    internal static async Task<IReadOnlyList<string>> FindMentionedAsync(CommunityDbContext db, string text, CancellationToken cancellationToken)
    {
        var mentions = MentionNames(text).Take(MaxMentions).ToList();
        if (mentions.Count == 0)
        {
            return [];
        }

        var lowered = mentions.SelectMany(c => c).Select(n => n.ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToList();
        var exact = mentions.SelectMany(c => c)
            .Concat(lowered.Select(CultureInfo.InvariantCulture.TextInfo.ToTitleCase))
            .Distinct(StringComparer.Ordinal)
            .ToList();
#pragma warning disable CA1304, CA1311 // translated to the database's lower(), which no culture affects
        var users = await db.Users.AsNoTracking()
            .Where(u => lowered.Contains(u.DisplayName.ToLower()) || exact.Contains(u.DisplayName))
            .Select(u => new { u.Id, u.DisplayName })
            .ToListAsync(cancellationToken);
#pragma warning restore CA1304, CA1311
        return [.. mentions
            .Select(candidates => candidates
                .Select(name => users.Where(u => string.Equals(u.DisplayName, name, StringComparison.OrdinalIgnoreCase)).Select(u => u.Id).FirstOrDefault())
                .FirstOrDefault(id => id is not null))
            .OfType<string>()
            .Distinct()];
    }

    /// <summary>For each <c>@</c> that starts a mention: the names it could be, longest first, lower-cased.</summary>
    internal static IEnumerable<IReadOnlyList<string>> MentionCandidates(string text) =>
        MentionNames(text).Select(names => (IReadOnlyList<string>)[.. names.Select(n => n.ToLowerInvariant())]);

    /// <summary>For each <c>@</c> that starts a mention: the names it could be, longest first, as typed.</summary>
    private static IEnumerable<IReadOnlyList<string>> MentionNames(string text)
    {
        for (var at = text.IndexOf('@'); at >= 0; at = text.IndexOf('@', at + 1))
        {
            if (at > 0 && !char.IsWhiteSpace(text[at - 1]) && text[at - 1] is not ('(' or '>'))
            {
                continue; // an e-mail address, not a mention
            }

            var words = new List<string>();
            var i = at + 1;
            while (words.Count < 3 && i < text.Length)
            {
                var start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '\'' or '-' or '.' or '_'))
                {
                    i++;
                }

                var word = text[start..i].TrimEnd('.', '\'', '-');
                if (word.Length == 0)
                {
                    break;
                }

                words.Add(word);
                if (i >= text.Length || text[i] != ' ')
                {
                    break;
                }

                i++;
            }

            if (words.Count > 0)
            {
                yield return [.. Enumerable.Range(1, words.Count).Reverse().Select(n => string.Join(' ', words.Take(n)))];
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notifying for message {Sequence} in {RoomSlug} failed")]
    internal partial void NotifyFailed(Exception exception, long sequence, string roomSlug);
}

/// <summary>
/// Turns posted messages into notifications on the node that stored them (each message is handled once, whatever
/// the number of nodes). If a node stops between the commit and this step, the author's retry on another node
/// announces the message again and that node creates the notifications still missing.
/// </summary>
public sealed class NotificationDispatcher(IRoomEventBus bus, NotificationService notifications) : IHostedService
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = bus.Subscribe(roomSlug: null, HandleAsync, EventScope.ThisNode);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    private async Task HandleAsync(RoomEvent roomEvent)
    {
        if (roomEvent is not MessagePosted posted)
        {
            return;
        }

        try
        {
            await notifications.NotifyAsync(posted.Message, posted.Again);
        }
        catch (Exception ex)
        {
            notifications.NotifyFailed(ex, posted.Message.Sequence, posted.Message.RoomSlug);
        }
    }
}
