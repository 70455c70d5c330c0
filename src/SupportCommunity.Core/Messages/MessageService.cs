using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SupportCommunity.Data;
using SupportCommunity.Events;
using SupportCommunity.Identity;
using SupportCommunity.Moderation;
using SupportCommunity.Rooms;

namespace SupportCommunity.Messages;

/// <summary>
/// Sending, editing, deleting and reading messages. Every write follows the same steps: authorize and validate,
/// persist in one transaction (numbering the room's changes), then publish the event after the commit.
/// </summary>
public sealed partial class MessageService(
    IDbContextFactory<CommunityDbContext> dbFactory,
    OpenContexts reads,
    RoomDirectory directory,
    IRoomEventBus bus,
    MessageWriter writer,
    FloodGuard floodGuard,
    SendAdmission admission,
    ActorDirectory actors,
    ModerationScope scope,
    RefusalAudit refusals,
    IOptions<CommunityLimits> limits,
    TimeProvider clock,
    ILogger<MessageService> logger)
{
    private readonly CommunityLimits _limits = limits.Value;

    /// <summary>Stores a message, or returns the one already stored for this author and client message id.</summary>
    public async Task<MessageDto> SendAsync(
        Actor actor,
        string roomSlug,
        Guid clientMessageId,
        string? body,
        long? replyToSequence = null,
        CancellationToken cancellationToken = default)
    {
        if (clientMessageId == Guid.Empty)
        {
            throw CommunityException.Invalid("clientMessageId must be a non-empty GUID.");
        }

        var room = await directory.GetReadableAsync(actor, roomSlug, cancellationToken);
        try
        {
            await EnsureMayPostAsync(actor, room.Id, cancellationToken);
        }
        catch (CommunityException)
        {
            // A retry of a send stored before the sanction (its acknowledgement was lost) is answered with it: the
            // message is there for everyone, so telling its author it was not sent would be wrong.
            if (await FindStoredAsync(actor, room, clientMessageId, cancellationToken) is { } stored)
            {
                return stored;
            }

            throw;
        }
        var text = MessageText.Normalize(body, _limits.MaxBodyLength);
        if (replyToSequence is { } parent)
        {
            // Threads are one level deep: a reply to a reply joins the same thread.
            replyToSequence = await FindThreadRootAsync(room, parent, cancellationToken)
                ?? throw CommunityException.Invalid($"There is no message {parent} in this room to reply to.");
        }

        // A sender already over the flood limit is turned away before any other database work but one lookup: a
        // retry of a send that was stored is answered with it; a new send over the limit is what staff see.
        if (floodGuard.RefusalIfOverLimit(actor, room.Id) is { } flood)
        {
            if (await FindStoredAsync(actor, room, clientMessageId, cancellationToken) is { } retried)
            {
                return retried;
            }

            await refusals.ThrottledAsync(actor, room, flood.Message);
            throw flood;
        }

        Admission admitted;
        try
        {
            // Lock, rules, slow mode, links, automod, duplicates: refused before anything is queued or stored.
            admitted = await admission.CheckAsync(actor, room, clientMessageId, text, replyToSequence, cancellationToken);
        }
        catch (CommunityException)
        {
            // A retry of a send that was stored is answered with it, whatever the room's controls say now.
            if (await FindStoredAsync(actor, room, clientMessageId, cancellationToken) is { } stored)
            {
                return stored;
            }

            throw;
        }

        // Right behind the sender's previous send here: wait out the spacing, so that no burst reaches the room at once.
        await floodGuard.PaceAsync(actor, room.Id, cancellationToken);

        try
        {
            // Group commit: stored, numbered and published with whatever else is being sent right now. A retry of a
            // stored send gets that message back and is not counted against the flood limit again.
            Message message;
            try
            {
                message = await writer.WriteAsync(new NewMessage(
                    room.Id, room.Slug, actor, clientMessageId, admitted.Text, replyToSequence, clock.GetUtcNow(),
                    Admit: () => floodGuard.ChargeAsync(actor, room.Id)))
                    .WaitAsync(cancellationToken);
            }
            catch (CommunityException ex) when (ex.Error == CommunityError.TooManyRequests)
            {
                // The flood limit (the writer's only refusal): staff see who was throttled where.
                await refusals.ThrottledAsync(actor, room, ex.Message);
                throw;
            }

            if (admitted.FlaggedBy.Count > 0)
            {
                await FlagAsync(message, room.Slug, admitted.FlaggedBy);
            }

            return MessageDto.From(message, room.Slug);
        }
        catch (DbUpdateException)
        {
            // The same send arrived twice at once on two nodes and the other copy won the unique index: return it.
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var raced = await MessageWriter.FindStoredAsync(db, actor.UserId, clientMessageId, cancellationToken);
            if (raced is null)
            {
                throw;
            }

            return raced.RoomId == room.Id
                ? MessageDto.From(raced, room.Slug)
                : throw new CommunityException(CommunityError.Conflict, "This clientMessageId was already used for a message in another room.");
        }
    }

    private async Task<MessageDto?> FindStoredAsync(Actor actor, RoomKey room, Guid clientMessageId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var stored = await MessageWriter.FindStoredAsync(db, actor.UserId, clientMessageId, cancellationToken);
        if (stored is null || stored.RoomId != room.Id)
        {
            return null;
        }

        // As in the writer: the node that stored it may have died before announcing it.
        await writer.AnnounceRetryAsync(stored, room.Slug);
        return MessageDto.From(stored, room.Slug);
    }

    /// <summary>
    /// Automod flagged a posted message: it goes to the moderation queue as a report by <see cref="AutomodReporter"/>
    /// (one per message; a retry adds none).
    /// </summary>
    private async Task FlagAsync(Message message, string roomSlug, IReadOnlyList<string> rules)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            if (await db.Reports.AnyAsync(r => r.MessageId == message.Id && r.ReporterId == AutomodReporter))
            {
                return;
            }

            var reason = "automod: " + string.Join(", ", rules);
            db.Reports.Add(new Report
            {
                MessageId = message.Id,
                RoomId = message.RoomId,
                ReporterId = AutomodReporter,
                Reason = reason.Length <= 500 ? reason : reason[..500],
                CreatedAt = clock.GetUtcNow(),
                Status = ReportStatus.Open,
            });
            await db.SaveChangesAsync();
            await PublishAsync(new ModerationQueueChanged(roomSlug));
        }
        catch (DbUpdateException ex)
        {
            // Flagged twice at once (a retry on another node): one report stands.
            FlagFailed(ex, message.Id);
        }
    }

    /// <summary>The reporter id of automod's flags in the moderation queue (no user has it).</summary>
    public const string AutomodReporter = "automod";

    [LoggerMessage(Level = LogLevel.Information, Message = "Automod's report of message {MessageId} was not added (already there)")]
    private partial void FlagFailed(Exception exception, long messageId);

    /// <summary>Edits a message: the author's own (within the edit window), or anyone's for a community manager.</summary>
    public Task<MessageDto> EditAsync(Actor actor, long messageId, string? body, CancellationToken cancellationToken = default) =>
        EditCoreAsync(actor, messageId, body, reason: null, cancellationToken);

    /// <summary>
    /// A moderator's edit, with a reason: managers everywhere, volunteer moderators in their rooms and never on the
    /// messages of staff or other moderators. Audited with the text before and after.
    /// </summary>
    public Task<MessageDto> ModerateEditAsync(Actor actor, long messageId, string? body, string? reason, CancellationToken cancellationToken = default) =>
        refusals.GuardAsync(actor, new AttemptedAction(AuditActions.MessageEdit, MessageId: messageId),
            () => EditCoreAsync(actor, messageId, body, SanctionService.CheckReason(reason), cancellationToken));

    private async Task<MessageDto> EditCoreAsync(Actor actor, long messageId, string? body, string? reason, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var (message, room) = await FindMessageAsync(db, actor, messageId, cancellationToken);

        var isAuthor = message.AuthorId == actor.UserId;
        var moderating = !isAuthor;
        if (moderating)
        {
            var allowed = reason is null ? actor.ManagesCommunity : await scope.ModeratesAsync(actor, room.Id, cancellationToken);
            if (!allowed)
            {
                throw CommunityException.Forbidden(reason is null
                    ? "You can only edit your own messages."
                    : "You can only edit messages in rooms you moderate.");
            }

            if (!isAuthor)
            {
                await scope.EnsureMayActOnAsync(actor, message.AuthorId, message.AuthorRole, cancellationToken: cancellationToken);
            }
        }

        if (message.DeletedAt is not null)
        {
            throw new CommunityException(CommunityError.Conflict, "This message was deleted and can no longer be edited.");
        }

        if (message.HiddenAt is not null && !actor.ManagesCommunity)
        {
            // Its reports are judged on what was reported.
            throw new CommunityException(CommunityError.Conflict, "This message is hidden while a moderator reviews it and can't be edited.");
        }

        if (isAuthor)
        {
            await EnsureMayPostAsync(actor, room.Id, cancellationToken);
        }

        if (!actor.ManagesCommunity && !moderating && clock.GetUtcNow() - message.CreatedAt > _limits.EditWindow)
        {
            throw CommunityException.Forbidden(
                $"Messages can be edited for {FormatWindow(_limits.EditWindow)} after sending; this one is older.");
        }

        var text = MessageText.Normalize(body, _limits.MaxBodyLength);
        if (text == message.Body)
        {
            return MessageDto.From(message, room.Slug);
        }

        var now = clock.GetUtcNow();
        var changed = await ChangeAsync(db, room, message, stillApplies: m =>
        {
            // Deleted or hidden since it was read (a deletion racing this edit): refused as if it had been then.
            if (m.DeletedAt is not null)
            {
                throw new CommunityException(CommunityError.Conflict, "This message was deleted and can no longer be edited.");
            }

            if (m.HiddenAt is not null && !actor.ManagesCommunity)
            {
                throw new CommunityException(CommunityError.Conflict, "This message is hidden while a moderator reviews it and can't be edited.");
            }

            return m.Body != text;
        }, m =>
        {
            var previous = m.Body;
            // Every edit keeps the text it replaced (ADR-0008): staff see the history in the audit view.
            db.MessageEdits.Add(new MessageEdit { MessageId = m.Id, Body = previous, EditedAt = now, EditedById = actor.UserId });
            if (!isAuthor)
            {
                AuditLog.Add(db, actor, AuditActions.MessageEdit, reason ?? NoReason, now, m.AuthorId, m.AuthorName, room.Id, m.Id,
                    before: previous, after: text);
            }

            m.Body = text;
            m.EditedAt = now;
        }, cancellationToken);

        var dto = MessageDto.From(message, room.Slug);
        if (changed)
        {
            await PublishAsync(new MessageChanged(dto));
        }

        return dto;
    }

    /// <summary>Marks a message deleted. The row stays for the audit trail; clients get it without a body.</summary>
    public Task<MessageDto> DeleteAsync(Actor actor, long messageId, CancellationToken cancellationToken = default) =>
        DeleteCoreAsync(actor, messageId, reason: null, alsoStore: null, cancellationToken);

    /// <summary>
    /// A moderator's deletion, with a reason (same scope as <see cref="ModerateEditAsync"/>). Members then see
    /// "Removed by a moderator"; staff still read the text in the audit view.
    /// </summary>
    public Task<MessageDto> ModerateDeleteAsync(Actor actor, long messageId, string? reason, CancellationToken cancellationToken = default) =>
        refusals.GuardAsync(actor, new AttemptedAction(AuditActions.MessageDelete, MessageId: messageId),
            () => DeleteCoreAsync(actor, messageId, SanctionService.CheckReason(reason), alsoStore: null, cancellationToken));

    /// <summary>
    /// The moderation queue's deletion: <see cref="ModerateDeleteAsync"/> with the same rules, plus whatever
    /// <paramref name="alsoStore"/> writes (the reports' resolution) in the same transaction. When it throws, nothing
    /// is stored. It runs even when the message was already deleted (then without a new revision or audit entry).
    /// </summary>
    internal Task<MessageDto> ModerateDeleteAsync(
        Actor actor, long messageId, string? reason, Func<CommunityDbContext, Message, Task> alsoStore, CancellationToken cancellationToken) =>
        refusals.GuardAsync(actor, new AttemptedAction(AuditActions.MessageDelete, MessageId: messageId),
            () => DeleteCoreAsync(actor, messageId, SanctionService.CheckReason(reason), alsoStore, cancellationToken));

    private async Task<MessageDto> DeleteCoreAsync(
        Actor actor, long messageId, string? reason, Func<CommunityDbContext, Message, Task>? alsoStore, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var (message, room) = await FindMessageAsync(db, actor, messageId, cancellationToken);

        var isAuthor = message.AuthorId == actor.UserId;
        if (!isAuthor)
        {
            if (!await scope.ModeratesAsync(actor, room.Id, cancellationToken))
            {
                throw CommunityException.Forbidden(reason is null
                    ? "You can only delete your own messages."
                    : "You can only delete messages in rooms you moderate.");
            }

            await scope.EnsureMayActOnAsync(actor, message.AuthorId, message.AuthorRole, cancellationToken: cancellationToken);
        }

        var now = clock.GetUtcNow();
        // Deleted meanwhile (by its author and a moderator at once, say): nothing more to change.
        if (message.DeletedAt is not null || !await ChangeAsync(db, room, message, stillApplies: m => m.DeletedAt is null, m =>
        {
            m.DeletedAt = now;
            m.DeletedById = actor.UserId;
            if (!isAuthor)
            {
                AuditLog.Add(db, actor, AuditActions.MessageDelete, reason ?? NoReason, now, m.AuthorId, m.AuthorName, room.Id, m.Id,
                    before: m.Body, after: null);
            }
        }, cancellationToken, alsoStore is null ? null : () => alsoStore(db, message)))
        {
            if (alsoStore is not null)
            {
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                await alsoStore(db, message);
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }

            return MessageDto.From(message, room.Slug);
        }

        var dto = MessageDto.From(message, room.Slug);
        await PublishAsync(new MessageChanged(dto));
        return dto;
    }

    /// <summary>The audit reason of a moderator's edit or deletion through the plain methods, which take none.</summary>
    public const string NoReason = "(no reason given)";

    private async ValueTask EnsureMayPostAsync(Actor actor, int roomId, CancellationToken cancellationToken)
    {
        var sanctions = await actors.GetActiveSanctionsAsync(actor.UserId, cancellationToken);
        if (sanctions.Count > 0)
        {
            SanctionService.EnsureMayPost(sanctions, roomId, clock.GetUtcNow());
        }
    }

    /// <summary>A page of history before <paramref name="beforeSequence"/> (or the latest), oldest first, by keyset.</summary>
    public async Task<HistoryPage> GetHistoryAsync(
        Actor actor, string roomSlug, long? beforeSequence, int? limit, CancellationToken cancellationToken = default)
    {
        var size = limit ?? _limits.DefaultPageSize;
        if (size < 1 || size > _limits.MaxPageSize)
        {
            throw CommunityException.Invalid($"limit must be between 1 and {_limits.MaxPageSize}.");
        }

        if (beforeSequence is < 1)
        {
            throw CommunityException.Invalid("before must be a positive sequence.");
        }

        var room = await directory.GetReadableAsync(actor, roomSlug, cancellationToken);
        return await reads.ReadAsync(db => ReadPageAsync(db, room, beforeSequence ?? long.MaxValue, size, cancellationToken), cancellationToken);
    }

    /// <summary>A thread: its first message and every reply, oldest first (at most <see cref="CommunityLimits.MaxPageSize"/> replies, the newest).</summary>
    public async Task<ThreadView> GetThreadAsync(Actor actor, string roomSlug, long rootSequence, CancellationToken cancellationToken = default)
    {
        var room = await directory.GetReadableAsync(actor, roomSlug, cancellationToken);
        var rootSeq = await FindThreadRootAsync(room, rootSequence, cancellationToken)
            ?? throw CommunityException.NotFound($"There is no message {rootSequence} in this room.");
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var root = await db.Messages.AsNoTracking().SingleAsync(m => m.RoomId == room.Id && m.Sequence == rootSeq, cancellationToken);
        var replies = await db.Messages.AsNoTracking()
            .Where(m => m.RoomId == room.Id && m.ReplyToSequence == rootSeq)
            .OrderByDescending(m => m.Sequence)
            .Take(_limits.MaxPageSize + 1)
            .ToListAsync(cancellationToken);
        return new ThreadView(
            MessageDto.From(root, room.Slug),
            [.. replies.Take(_limits.MaxPageSize).Reverse().Select(m => MessageDto.From(m, room.Slug))],
            HasMore: replies.Count > _limits.MaxPageSize);
    }

    /// <summary>Messages of one room whose text contains <paramref name="query"/>, newest first (at most 50).</summary>
    public async Task<IReadOnlyList<MessageDto>> SearchAsync(Actor actor, string roomSlug, string? query, CancellationToken cancellationToken = default)
    {
        var text = (query ?? "").Trim();
        if (text.Length is < 2 or > 100)
        {
            throw CommunityException.Invalid("Search for 2 to 100 characters.");
        }

        var room = await directory.GetReadableAsync(actor, roomSlug, cancellationToken);
        var pattern = "%" + text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var found = await db.Messages.AsNoTracking()
            .Where(m => m.RoomId == room.Id && m.DeletedAt == null && m.HiddenAt == null && EF.Functions.Like(m.Body, pattern, "\\"))
            .OrderByDescending(m => m.Sequence)
            .Take(50)
            .ToListAsync(cancellationToken);
        return [.. found.Select(m => MessageDto.From(m, room.Slug))];
    }

    /// <summary>
    /// What a client needs on (re)joining. With <paramref name="afterSequence"/> 0: the latest page, and
    /// <see cref="RoomSnapshot.HasMore"/> says whether older history exists. Otherwise: every message created or
    /// changed since the client saw <paramref name="afterSequence"/>, in its current state and in sequence order, at
    /// most <see cref="CommunityLimits.MaxCatchUp"/> new messages at a time; <see cref="RoomSnapshot.HasMore"/> then
    /// says more follow (ask again after the last sequence returned).
    /// </summary>
    public async Task<RoomSnapshot> CatchUpAsync(Actor actor, string roomSlug, long afterSequence, CancellationToken cancellationToken = default)
    {
        if (afterSequence < 0)
        {
            throw CommunityException.Invalid("afterSequence must be 0 or a sequence the client has seen.");
        }

        var key = await directory.GetReadableAsync(actor, roomSlug, cancellationToken);
        return await reads.ReadAsync(db => CatchUpAsync(db, key, afterSequence, cancellationToken), cancellationToken);
    }

    private async Task<RoomSnapshot> CatchUpAsync(CommunityDbContext db, RoomKey key, long afterSequence, CancellationToken cancellationToken)
    {
        var room = await db.Rooms.AsNoTracking().SingleAsync(r => r.Id == key.Id, cancellationToken);
        var roomDto = new RoomDto(room.Slug, room.Name, room.Topic, room.LastSequence, room.Revision, 0);

        if (afterSequence > 0 && afterSequence <= room.LastSequence)
        {
            var seenRevision = await db.Messages
                .Where(m => m.RoomId == room.Id && m.Sequence == afterSequence)
                .Select(m => m.CreatedRevision)
                .SingleAsync(cancellationToken);

            // Messages the client holds that changed since (few; read by the revision index)...
            var changed = await db.Messages.AsNoTracking()
                .Where(m => m.RoomId == room.Id && m.Sequence <= afterSequence && m.Revision > seenRevision)
                .OrderBy(m => m.Sequence)
                .Take(_limits.MaxCatchUp + 1)
                .ToListAsync(cancellationToken);

            // ...and the messages after it (a keyset read on the sequence).
            var added = await db.Messages.AsNoTracking()
                .Where(m => m.RoomId == room.Id && m.Sequence > afterSequence)
                .OrderBy(m => m.Sequence)
                .Take(_limits.MaxCatchUp + 1)
                .ToListAsync(cancellationToken);

            if (changed.Count <= _limits.MaxCatchUp)
            {
                var hasMore = added.Count > _limits.MaxCatchUp;
                var messages = changed.Concat(added.Take(_limits.MaxCatchUp)).Select(m => MessageDto.From(m, room.Slug)).ToList();
                return new RoomSnapshot(roomDto, messages, hasMore, Reset: false);
            }
        }

        // A first join, a sequence this room never had, or a mass of changes to old messages: the latest page.
        var page = await ReadPageAsync(db, key, long.MaxValue, _limits.DefaultPageSize, cancellationToken);
        return new RoomSnapshot(roomDto, page.Messages, page.HasMore, Reset: afterSequence > 0);
    }

    /// <summary>
    /// For the moderation queue: <paramref name="plan"/> looks at the message and returns the change to make, or null
    /// when it is already in the wanted state. A change is made under a new room revision and published after commit.
    /// Whatever <paramref name="alsoStore"/> adds (audit entries, report resolutions, sanctions) is stored in the same
    /// transaction, change or not; when it throws, nothing is stored.
    /// </summary>
    internal async Task<MessageDto> ChangeForModerationAsync(
        long messageId,
        Func<Message, Action<Message>?> plan,
        Func<CommunityDbContext, Message, Room, bool, Task> alsoStore,
        CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var message = await db.Messages.SingleOrDefaultAsync(m => m.Id == messageId, cancellationToken)
            ?? throw CommunityException.NotFound($"There is no message {messageId}.");
        var room = await db.Rooms.AsNoTracking().SingleAsync(r => r.Id == message.RoomId, cancellationToken);
        Action<Message>? change;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            // Plan on the message as stored once the room's row is locked, not as first read (see ChangeAsync).
            await db.Rooms.Where(r => r.Id == room.Id).ExecuteUpdateAsync(
                s => s.SetProperty(r => r.Revision, r => r.Revision), cancellationToken);
            await db.Entry(message).ReloadAsync(cancellationToken);
            change = plan(message);
            if (change is not null)
            {
                await db.Rooms.Where(r => r.Id == room.Id).ExecuteUpdateAsync(
                    s => s.SetProperty(r => r.Revision, r => r.Revision + 1), cancellationToken);
                message.Revision = await db.Rooms.Where(r => r.Id == room.Id).Select(r => r.Revision).SingleAsync(cancellationToken);
                change(message);
            }

            await alsoStore(db, message, room, change is not null);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        var dto = MessageDto.From(message, room.Slug);
        if (change is not null)
        {
            await PublishAsync(new MessageChanged(dto));
        }

        return dto;
    }

    /// <summary>
    /// Changes a message under a new room revision, in one transaction. The message was read before: once the room's
    /// row is locked (every change in the room takes that lock first), it is read again and
    /// <paramref name="stillApplies"/> decides on what is stored now, so two changes that raced (an edit and a
    /// deletion) cannot both apply to what each read: the later one would write over the other and publish a state that
    /// was never stored. False from it, or a throw, leaves everything as it was. Returns whether the change was made.
    /// </summary>
    private static async Task<bool> ChangeAsync(
        CommunityDbContext db,
        Room room,
        Message message,
        Func<Message, bool> stillApplies,
        Action<Message> change,
        CancellationToken cancellationToken,
        Func<Task>? alsoStore = null)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Rooms.Where(r => r.Id == room.Id).ExecuteUpdateAsync(
            s => s.SetProperty(r => r.Revision, r => r.Revision + 1), cancellationToken);
        await db.Entry(message).ReloadAsync(cancellationToken);
        if (!stillApplies(message))
        {
            return false; // rolled back with the transaction: no new revision
        }

        message.Revision = await db.Rooms.Where(r => r.Id == room.Id).Select(r => r.Revision).SingleAsync(cancellationToken);
        change(message);
        if (alsoStore is not null)
        {
            await alsoStore();
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>The keyset page query, compiled once: pages are the hottest read (every join and scroll).</summary>
    private static readonly Func<CommunityDbContext, int, long, int, IAsyncEnumerable<Message>> PageQuery =
        EF.CompileAsyncQuery((CommunityDbContext db, int roomId, long beforeSequence, int take) =>
            db.Messages.AsNoTracking()
                .Where(m => m.RoomId == roomId && m.Sequence < beforeSequence)
                .OrderByDescending(m => m.Sequence)
                .Take(take));

    private static async Task<HistoryPage> ReadPageAsync(
        CommunityDbContext db, RoomKey room, long beforeSequence, int size, CancellationToken cancellationToken)
    {
        var newestFirst = new List<MessageDto>(size + 1);
        await foreach (var message in PageQuery(db, room.Id, beforeSequence, size + 1).WithCancellation(cancellationToken))
        {
            newestFirst.Add(MessageDto.From(message, room.Slug));
        }

        var hasMore = newestFirst.Count > size;
        var page = newestFirst.Take(size).Reverse().ToList();
        return new HistoryPage(page, hasMore);
    }

    /// <summary>The message and its room, if the actor may read that room; otherwise "no such message".</summary>
    private async Task<(Message Message, Room Room)> FindMessageAsync(
        CommunityDbContext db, Actor actor, long messageId, CancellationToken cancellationToken)
    {
        var message = await db.Messages.SingleOrDefaultAsync(m => m.Id == messageId, cancellationToken)
            ?? throw CommunityException.NotFound($"There is no message {messageId}.");
        var room = await db.Rooms.AsNoTracking().SingleAsync(r => r.Id == message.RoomId, cancellationToken);
        var key = new RoomKey(room.Id, room.Slug, room.Kind, room.CustomerId, room.SourceRoomId);
        return await directory.CanReadAsync(actor, key, cancellationToken)
            ? (message, room)
            : throw CommunityException.NotFound($"There is no message {messageId}.");
    }

    /// <summary>The thread a reply to message <paramref name="sequence"/> belongs to, or null when there is no such message.</summary>
    private async Task<long?> FindThreadRootAsync(RoomKey room, long sequence, CancellationToken cancellationToken)
    {
        if (sequence < 1)
        {
            return null;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var parent = await db.Messages.AsNoTracking()
            .Where(m => m.RoomId == room.Id && m.Sequence == sequence)
            .Select(m => new { m.Sequence, m.ReplyToSequence })
            .SingleOrDefaultAsync(cancellationToken);
        return parent is null ? null : parent.ReplyToSequence ?? parent.Sequence;
    }

    /// <summary>Publishes after commit. A failed fan-out never fails a committed write: clients catch up from the database.</summary>
    private async Task PublishAsync(RoomEvent roomEvent)
    {
        try
        {
            await bus.PublishAsync(roomEvent, CancellationToken.None);
        }
        catch (Exception ex)
        {
            PublishFailed(ex, roomEvent.RoomSlug);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing a room event for {RoomSlug} failed; clients will catch up")]
    private partial void PublishFailed(Exception exception, string roomSlug);

    private static string FormatWindow(TimeSpan window) =>
        window.TotalHours >= 1 ? $"{window.TotalHours:0.#} hours" : $"{window.TotalMinutes:0} minutes";
}

/// <summary>
/// What a (re)joining client gets. <see cref="Reset"/>: the client's point could not be caught up from (an unknown
/// sequence), so this is the latest page and replaces what the client holds.
/// </summary>
public sealed record RoomSnapshot(RoomDto Room, IReadOnlyList<MessageDto> Messages, bool HasMore, bool Reset);

/// <summary>A thread: its first message and its replies, oldest first. <see cref="HasMore"/>: older replies were left out.</summary>
public sealed record ThreadView(MessageDto Root, IReadOnlyList<MessageDto> Replies, bool HasMore);
