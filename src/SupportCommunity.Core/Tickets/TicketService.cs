using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SupportCommunity.Data;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;
using SupportCommunity.Webhooks;

namespace SupportCommunity.Tickets;

/// <summary>
/// The desk and the customer's side of tickets: one method per user action. Requesters see their own tickets (never
/// internal notes); agents, managers and admins see and work every ticket. A ticket the caller may not see is
/// answered exactly like one that does not exist.
/// </summary>
/// <remarks>
/// Every change follows the same steps: authorize and validate; in one transaction save the ticket (its
/// <see cref="Ticket.Version"/> raised, ADR-0011), its timeline entries, the audit entries and the webhook event; then
/// publish to the desk and the requester, and ring the bell.
/// </remarks>
public sealed partial class TicketService(
    IDbContextFactory<CommunityDbContext> dbFactory,
    TicketPublisher publisher,
    SlaPolicy sla,
    IOptions<TicketOptions> options,
    IOptions<CommunityLimits> limits,
    TimeProvider clock)
{
    public const int DefaultPageSize = 50;

    public const int MaxPageSize = 100;

    /// <summary>The newest timeline entries a ticket's page holds.</summary>
    public const int MaxTimeline = 500;

    private readonly TicketOptions _options = options.Value;
    private readonly CommunityLimits _limits = limits.Value;

    /// <summary>The ticket's page: the requester's view for its customer, the full one for the desk.</summary>
    public async Task<TicketDto> GetAsync(Actor actor, int number, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var ticket = await FindAsync(db, actor, number, tracking: false, cancellationToken);
        return await DescribeAsync(db, actor, ticket, cancellationToken);
    }

    /// <summary>The desk's list (agents, managers, admins), filtered, sorted and paged by keyset.</summary>
    public async Task<TicketPage> ListDeskAsync(Actor actor, TicketQuery query, CancellationToken cancellationToken = default)
    {
        if (!TicketRules.WorksDesk(actor))
        {
            throw CommunityException.Forbidden("Only support agents, community managers and admins can see the ticket desk.");
        }

        query ??= new TicketQuery();
        var size = PageSize(query.Limit);
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var tickets = db.Tickets.AsNoTracking();

        if (query.Mine)
        {
            tickets = tickets.Where(t => t.AssigneeId == actor.UserId);
        }

        if (query.Unassigned)
        {
            tickets = tickets.Where(t => t.AssigneeId == null);
        }

        if (query.Breached)
        {
            var nowKey = now.ToUnixTimeMilliseconds();
            tickets = tickets.Where(t => t.SlaDueKey <= nowKey);
        }

        if (query.Statuses is { Count: > 0 } statuses)
        {
            var wanted = statuses.Select(TicketRules.Status).Distinct().ToList();
            tickets = tickets.Where(t => wanted.Contains(t.Status));
        }

        if (query.Priority is { } priority)
        {
            TicketRules.Priority(priority);
            tickets = tickets.Where(t => t.Priority == priority);
        }

        if (!string.IsNullOrEmpty(query.Queue))
        {
            var queue = query.Queue.Trim().ToLowerInvariant();
            if (!TicketRules.IsQueueName(queue))
            {
                throw CommunityException.Invalid("queue must be a queue name such as 'general'.");
            }

            tickets = tickets.Where(t => t.Queue == queue);
        }

        if (query.Search is { } search && search.Trim().Length > 0)
        {
            tickets = ApplySearch(tickets, search.Trim());
        }

        if (!Enum.IsDefined(query.Sort))
        {
            throw CommunityException.Invalid("sort must be DueSoonest, Newest or Priority.");
        }

        var cursor = Cursor.Parse(query.Cursor, query.Sort);
        tickets = query.Sort switch
        {
            TicketSort.Newest => (cursor is null ? tickets : tickets.Where(t => t.Number < cursor.Number))
                .OrderByDescending(t => t.Number),
            TicketSort.Priority => (cursor is null ? tickets : tickets.Where(t =>
                    (int)t.Priority < cursor.Key || ((int)t.Priority == cursor.Key && t.Number > cursor.Number)))
                .OrderByDescending(t => t.Priority).ThenBy(t => t.Number),
            _ => (cursor is null ? tickets : tickets.Where(t =>
                    t.SlaDueKey > cursor.Key || (t.SlaDueKey == cursor.Key && t.Number > cursor.Number)))
                .OrderBy(t => t.SlaDueKey).ThenBy(t => t.Number),
        };

        var rows = await tickets.Take(size + 1).ToListAsync(cancellationToken);
        var page = rows.Take(size).ToList();
        string? next = null;
        if (rows.Count > size)
        {
            var last = page[^1];
            next = Cursor.Of(query.Sort, last);
        }

        return new TicketPage([.. page.Select(t => Summarize(t, now))], next);
    }

    /// <summary>"My tickets": the caller's own tickets as requester, newest first.</summary>
    public async Task<TicketPage> ListMineAsync(Actor actor, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        var size = PageSize(limit);
        var after = Cursor.Parse(cursor, TicketSort.Newest);
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var tickets = db.Tickets.AsNoTracking().Where(t => t.RequesterId == actor.UserId);
        if (after is not null)
        {
            tickets = tickets.Where(t => t.Number < after.Number);
        }

        var rows = await tickets.OrderByDescending(t => t.Number).Take(size + 1).ToListAsync(cancellationToken);
        var page = rows.Take(size).ToList();
        return new TicketPage(
            [.. page.Select(t => Summarize(t, now, desk: false))],
            rows.Count > size ? Cursor.Of(TicketSort.Newest, page[^1]) : null);
    }

    /// <summary>The people tickets can be assigned to.</summary>
    public async Task<IReadOnlyList<TicketAgentDto>> ListAgentsAsync(Actor actor, CancellationToken cancellationToken = default)
    {
        if (!TicketRules.WorksDesk(actor))
        {
            throw CommunityException.Forbidden("Only support agents, community managers and admins can see the ticket desk.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await (
                from userRole in db.UserRoles
                join role in db.Roles on userRole.RoleId equals role.Id
                join user in db.Users on userRole.UserId equals user.Id
                where role.Name == CommunityRoles.SupportAgent || role.Name == CommunityRoles.CommunityManager || role.Name == CommunityRoles.Admin
                select new { user.Id, user.DisplayName, role.Name })
            .ToListAsync(cancellationToken);
        return [.. rows
            .GroupBy(r => r.Id)
            .Select(g => new TicketAgentDto(g.Key, g.First().DisplayName, g.Select(r => r.Name!).OrderBy(CommunityRoles.Rank).First()))
            .OrderBy(a => a.Name, StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>Takes an unassigned ticket (or one already yours); someone else's claim is a conflict.</summary>
    public async Task<TicketDto> ClaimAsync(Actor actor, int number, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var ticket = await FindAsync(db, actor, number, tracking: true, cancellationToken);
        EnsureWorksDesk(actor, ticket);
        EnsureNotClosed(ticket);
        if (ticket.AssigneeId == actor.UserId)
        {
            return await DescribeAsync(db, actor, ticket, cancellationToken);
        }

        if (ticket.AssigneeId is not null)
        {
            throw new CommunityException(CommunityError.Conflict, $"{ticket.AssigneeName} has already claimed ticket #{number}.");
        }

        var now = clock.GetUtcNow();
        var entries = new List<TicketEntry> { Assign(db, actor, ticket, actor.UserId, actor.DisplayName, now) };
        try
        {
            await SaveAsync(db, ticket, entries, now, cancellationToken);
        }
        catch (CommunityException ex) when (ex.Error == CommunityError.Conflict)
        {
            // Two agents claimed at once: the other one was first.
            await using var fresh = await dbFactory.CreateDbContextAsync(cancellationToken);
            var name = await fresh.Tickets.Where(t => t.Number == number).Select(t => t.AssigneeName).SingleOrDefaultAsync(cancellationToken);
            throw new CommunityException(CommunityError.Conflict,
                name is null ? ex.Message : $"{name} has already claimed ticket #{number}.");
        }

        await AfterSaveAsync(ticket, entries, now);
        return await DescribeAsync(db, actor, ticket, cancellationToken);
    }

    /// <summary>Assigns to an agent, manager or admin; null or "" unassigns.</summary>
    public Task<TicketDto> AssignAsync(Actor actor, int number, string? assigneeId, int expectedVersion, CancellationToken cancellationToken = default) =>
        UpdateAsync(actor, number, new TicketChange(expectedVersion, AssigneeId: assigneeId ?? ""), cancellationToken);

    public Task<TicketDto> ChangeStatusAsync(Actor actor, int number, TicketStatus status, int expectedVersion, CancellationToken cancellationToken = default) =>
        UpdateAsync(actor, number, new TicketChange(expectedVersion, Status: status), cancellationToken);

    public Task<TicketDto> ChangePriorityAsync(Actor actor, int number, TicketPriority priority, int expectedVersion, CancellationToken cancellationToken = default) =>
        UpdateAsync(actor, number, new TicketChange(expectedVersion, Priority: priority), cancellationToken);

    /// <summary>
    /// Staff: changes status, priority, assignee, queue or category at once. A stale
    /// <see cref="TicketChange.ExpectedVersion"/> is a conflict and nothing is saved.
    /// </summary>
    public async Task<TicketDto> UpdateAsync(Actor actor, int number, TicketChange change, CancellationToken cancellationToken = default)
    {
        if (change is null)
        {
            throw CommunityException.Invalid("Say what to change.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var ticket = await FindAsync(db, actor, number, tracking: true, cancellationToken);
        EnsureWorksDesk(actor, ticket);

        var status = change.Status is { } s ? TicketRules.Status(s) : (TicketStatus?)null;
        var priority = change.Priority is { } p ? TicketRules.Priority(p) : (TicketPriority?)null;
        var queue = change.Queue is null ? null : Queue(change.Queue);
        var category = change.Category is null ? null : TicketRules.Category(change.Category);
        (string Id, string Name)? assignee = null;
        if (change.AssigneeId is { } assigneeId)
        {
            assignee = assigneeId.Length == 0 ? ("", "") : await FindAgentAsync(db, assigneeId, cancellationToken);
        }

        await EnsureVersionAsync(db, ticket, change.ExpectedVersion, cancellationToken);
        EnsureNotClosed(ticket);

        var now = clock.GetUtcNow();
        var entries = new List<TicketEntry>();
        if (status is { } newStatus && newStatus != ticket.Status)
        {
            entries.Add(ChangeStatus(db, actor, ticket, newStatus, now));
        }

        if (priority is { } newPriority && newPriority != ticket.Priority)
        {
            entries.Add(Entry(ticket, actor, TicketEntryKind.PriorityChange, now, from: ticket.Priority.ToString(), to: newPriority.ToString()));
            AuditLog.Add(db, actor, TicketAuditActions.Priority, Reason(ticket), now, ticket.RequesterId, ticket.RequesterName, ticket.SourceRoomId,
                before: ticket.Priority.ToString(), after: newPriority.ToString());
            ticket.Priority = newPriority;
            // The clocks count from the ticket's opening with the new priority's targets.
            var (firstResponse, resolution) = sla.DueTimes(newPriority, ticket.CreatedAt);
            ticket.FirstResponseDueAt = firstResponse;
            ticket.ResolutionDueAt = resolution;
        }

        if (assignee is { } who && who.Id != (ticket.AssigneeId ?? ""))
        {
            entries.Add(Assign(db, actor, ticket, who.Id.Length == 0 ? null : who.Id, who.Name, now));
        }

        var changed = entries.Count > 0;
        if (queue is not null && queue != ticket.Queue)
        {
            ticket.Queue = queue;
            changed = true;
        }

        if (category is not null && category != ticket.Category)
        {
            ticket.Category = category;
            changed = true;
        }

        if (!changed)
        {
            return await DescribeAsync(db, actor, ticket, cancellationToken);
        }

        await SaveAsync(db, ticket, entries, now, cancellationToken);
        await AfterSaveAsync(ticket, entries, now);
        return await DescribeAsync(db, actor, ticket, cancellationToken);
    }

    /// <summary>
    /// A public reply (staff, or the requester on their own ticket) or an internal note (staff only). Idempotent with
    /// <paramref name="clientEntryId"/>.
    /// </summary>
    public async Task<TicketReplyResult> ReplyAsync(
        Actor actor, int number, string? body, bool internalNote = false, Guid? clientEntryId = null, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var ticket = await FindAsync(db, actor, number, tracking: true, cancellationToken);
        var desk = TicketRules.WorksDesk(actor);
        if (internalNote && !desk)
        {
            throw CommunityException.Forbidden("Only support staff can add internal notes.");
        }

        if (clientEntryId == Guid.Empty)
        {
            throw CommunityException.Invalid("clientEntryId must be a non-empty GUID when given.");
        }

        var text = MessageText.Normalize(body, _limits.MaxBodyLength);
        if (clientEntryId is { } retryId && await FindRetryAsync(db, actor, ticket, retryId, cancellationToken) is { } stored)
        {
            return stored;
        }

        EnsureNotClosed(ticket);
        var now = clock.GetUtcNow();
        var entry = Entry(ticket, actor, internalNote ? TicketEntryKind.InternalNote : TicketEntryKind.PublicReply, now, body: text);
        entry.ClientEntryId = clientEntryId;
        var entries = new List<TicketEntry> { entry };
        if (!internalNote)
        {
            if (desk && actor.UserId != ticket.RequesterId)
            {
                ticket.FirstRespondedAt ??= now;
                if (ticket.Status == TicketStatus.New)
                {
                    entries.Add(ChangeStatus(db, actor, ticket, TicketStatus.Open, now));
                }
            }
            else if (ticket.Status is TicketStatus.PendingOnCustomer or TicketStatus.Solved)
            {
                // The customer answered, or came back after "solved": the ball is in the desk's court again.
                entries.Add(ChangeStatus(db, actor, ticket, TicketStatus.Open, now));
            }
        }

        try
        {
            await SaveAsync(db, ticket, entries, now, cancellationToken);
        }
        catch (DbUpdateException) when (clientEntryId is { } raced)
        {
            // The same reply arrived twice at once and the other copy won the unique index: return it.
            await using var fresh = await dbFactory.CreateDbContextAsync(cancellationToken);
            var again = await fresh.Tickets.AsNoTracking().SingleAsync(t => t.Id == ticket.Id, cancellationToken);
            return await FindRetryAsync(fresh, actor, again, raced, cancellationToken) ?? throw new CommunityException(
                CommunityError.Conflict, "The reply could not be stored. Please try again.");
        }

        await AfterSaveAsync(ticket, entries, now);
        var summary = Summarize(ticket, now, desk);
        if (!internalNote)
        {
            if (desk && actor.UserId != ticket.RequesterId)
            {
                await publisher.NotifyAsync(ticket.RequesterId, ticket.Number, actor.DisplayName, text);
            }
            else if (ticket.AssigneeId is { } assigneeId && assigneeId != actor.UserId)
            {
                await publisher.NotifyAsync(assigneeId, ticket.Number, actor.DisplayName, text);
            }
        }

        return new TicketReplyResult(summary, ToDto(entry));
    }

    /// <summary>The requester rates a solved or closed ticket, 1 to 5, with an optional comment; they may change it.</summary>
    public async Task<TicketDto> RateAsync(Actor actor, int number, int rating, string? comment, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var ticket = await FindAsync(db, actor, number, tracking: true, cancellationToken);
        if (ticket.RequesterId != actor.UserId)
        {
            throw CommunityException.Forbidden("Only the customer who asked can rate this ticket.");
        }

        if (rating is < 1 or > 5)
        {
            throw CommunityException.Invalid("rating must be 1 to 5.");
        }

        var text = TicketRules.RatingComment(comment);
        if (!ticket.Status.IsResolved())
        {
            throw new CommunityException(CommunityError.Conflict, $"You can rate ticket #{number} once it is solved.");
        }

        if (ticket.Rating == rating && ticket.RatingComment == text)
        {
            return await DescribeAsync(db, actor, ticket, cancellationToken);
        }

        var now = clock.GetUtcNow();
        var entry = Entry(ticket, actor, TicketEntryKind.Rating, now, body: text,
            from: ticket.Rating?.ToString(CultureInfo.InvariantCulture), to: rating.ToString(CultureInfo.InvariantCulture));
        ticket.Rating = rating;
        ticket.RatingComment = text;
        ticket.RatedAt = now;
        await SaveAsync(db, ticket, [entry], now, cancellationToken);
        await AfterSaveAsync(ticket, [entry], now);
        return await DescribeAsync(db, actor, ticket, cancellationToken);
    }

    /// <summary>"No such ticket" unless it exists (for callers that checked the desk role).</summary>
    internal async Task EnsureExistsAsync(int number, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!await db.Tickets.AnyAsync(t => t.Number == number, cancellationToken))
        {
            throw TicketRules.NotFound(number);
        }
    }

    // ---- shared with EscalationService --------------------------------------------------------------------------

    /// <summary>
    /// A ticket as of <paramref name="now"/>: the desk's view, or the requester's, where the SLA clocks, queue and
    /// category are the desk's business and the version and time move only with changes the customer may see.
    /// </summary>
    internal static TicketSummaryDto Summarize(Ticket t, DateTimeOffset now, bool desk = true) => new(
        t.Number,
        t.Subject,
        t.Status,
        t.Priority,
        desk ? t.Queue : "",
        desk ? t.Category : "",
        t.RequesterId,
        t.RequesterName,
        t.AssigneeId,
        t.AssigneeName,
        t.SourceKind,
        t.SourceRoomSlug,
        t.SourceRoomName,
        t.CreatedAt,
        desk ? t.UpdatedAt : t.RequesterUpdatedAt,
        desk ? SlaClockDto.Of(t.FirstResponseDueAt, t.FirstRespondedAt ?? (t.Status.IsResolved() ? t.SolvedAt : null), now) : null,
        desk ? SlaClockDto.Of(t.ResolutionDueAt, t.Status.IsResolved() ? t.SolvedAt : null, now) : null,
        t.Rating,
        desk ? t.Version : t.RequesterVersion);

    internal static TicketEntryDto ToDto(TicketEntry e) =>
        new(e.Id, e.Kind, e.AuthorId, e.AuthorName, e.AuthorRole, e.Body, e.From, e.To, e.At, !e.Kind.IsPublic(), e.ClientEntryId);

    /// <summary>The ticket's page for <paramref name="actor"/>: customers get the requester's view and public entries only.</summary>
    internal async Task<TicketDto> DescribeAsync(CommunityDbContext db, Actor actor, Ticket ticket, CancellationToken cancellationToken)
    {
        var desk = TicketRules.WorksDesk(actor);
        var now = clock.GetUtcNow();
        var lines = await db.TicketTranscriptLines.AsNoTracking()
            .Where(l => l.TicketId == ticket.Id)
            .OrderBy(l => l.Sequence)
            .ToListAsync(cancellationToken);
        var timeline = db.TicketEntries.AsNoTracking().Where(e => e.TicketId == ticket.Id);
        if (!desk)
        {
            // Filtered in the query, so an internal note never even leaves the database for a customer's request.
            timeline = timeline.Where(e => e.Kind == TicketEntryKind.Escalation || e.Kind == TicketEntryKind.PublicReply
                || e.Kind == TicketEntryKind.StatusChange || e.Kind == TicketEntryKind.Rating);
        }

        var entries = await timeline.OrderByDescending(e => e.Id).Take(MaxTimeline).ToListAsync(cancellationToken);
        entries.Reverse();

        var open = ticket.Status != TicketStatus.Closed;
        var can = desk
            ? new TicketPermissions(
                CanReply: open, CanAddNote: true, CanClaim: open && ticket.AssigneeId is null, CanAssign: open,
                CanChangeStatus: open, CanChangePriority: open, CanRate: false)
            : new TicketPermissions(
                CanReply: open, CanAddNote: false, CanClaim: false, CanAssign: false, CanChangeStatus: false,
                CanChangePriority: false, CanRate: ticket.Status.IsResolved());
        var source = new TicketSourceDto(
            ticket.SourceKind,
            ticket.SourceRoomSlug,
            ticket.SourceRoomName,
            ticket.SourceSequence,
            ticket.ThreadRootSequence,
            ticket.SourceKind == TicketSourceKind.Conversation ? $"conversations/{ticket.SourceRoomSlug}" : $"rooms/{ticket.SourceRoomSlug}");
        return new TicketDto(
            Summarize(ticket, now, desk),
            source,
            [.. lines.Select(l => new TranscriptLineDto(l.Sequence, l.ReplyToSequence, l.AuthorName, l.AuthorRole, l.Body, l.CreatedAt, l.EditedAt, l.AuthorId == ticket.RequesterId))],
            [.. entries.Select(ToDto)],
            ticket.RatingComment,
            can);
    }

    internal static TicketEntry Entry(
        Ticket ticket, Actor actor, TicketEntryKind kind, DateTimeOffset at, string? body = null, string? from = null, string? to = null) => new()
        {
            TicketId = ticket.Id,
            Kind = kind,
            AuthorId = actor.UserId,
            AuthorName = actor.DisplayName,
            AuthorRole = actor.PrimaryRole,
            Body = body,
            From = from,
            To = to,
            At = at,
        };

    internal static string Reason(Ticket ticket) => MessageText.Excerpt($"Ticket #{ticket.Number}: {ticket.Subject}", 500);

    /// <summary>The webhook event type for a ticket saved in <paramref name="status"/>.</summary>
    internal static string WebhookType(TicketStatus before, TicketStatus after) =>
        after == TicketStatus.Solved && before != TicketStatus.Solved ? WebhookEventTypes.TicketSolved : WebhookEventTypes.TicketUpdated;

    // ---- internals ------------------------------------------------------------------------------------------------

    /// <summary>The ticket if the caller is its requester or works the desk; otherwise exactly "no such ticket".</summary>
    private static async Task<Ticket> FindAsync(CommunityDbContext db, Actor actor, int number, bool tracking, CancellationToken cancellationToken)
    {
        var tickets = tracking ? db.Tickets : db.Tickets.AsNoTracking();
        var ticket = await tickets.SingleOrDefaultAsync(t => t.Number == number, cancellationToken);
        return ticket is not null && (ticket.RequesterId == actor.UserId || TicketRules.WorksDesk(actor))
            ? ticket
            : throw TicketRules.NotFound(number);
    }

    /// <summary>Only the desk changes a ticket; its requester is told so (they know the ticket exists).</summary>
    private static void EnsureWorksDesk(Actor actor, Ticket ticket)
    {
        if (!TicketRules.WorksDesk(actor))
        {
            throw CommunityException.Forbidden("Only support agents, community managers and admins can change a ticket.");
        }
    }

    private static void EnsureNotClosed(Ticket ticket)
    {
        if (ticket.Status == TicketStatus.Closed)
        {
            throw new CommunityException(CommunityError.Conflict,
                $"Ticket #{ticket.Number} is closed. Ask again in the community to open a new one.");
        }
    }

    private static async Task EnsureVersionAsync(CommunityDbContext db, Ticket ticket, int expectedVersion, CancellationToken cancellationToken)
    {
        if (ticket.Version == expectedVersion)
        {
            return;
        }

        var last = await db.TicketEntries.AsNoTracking()
            .Where(e => e.TicketId == ticket.Id)
            .OrderByDescending(e => e.Id)
            .Select(e => e.AuthorName)
            .FirstOrDefaultAsync(cancellationToken);
        throw Stale(ticket.Number, last);
    }

    private static CommunityException Stale(int number, string? by) => new(
        CommunityError.Conflict,
        by is null
            ? $"Ticket #{number} was changed since you opened it. Reload it and try again."
            : $"Ticket #{number} was changed by {by} since you opened it. Reload it and try again.");

    /// <summary>
    /// Saves the ticket (version raised, SLA sort key refreshed), its new entries, and the webhook event, in one
    /// transaction. A concurrent change of the ticket is a conflict and nothing is stored.
    /// </summary>
    private async Task SaveAsync(CommunityDbContext db, Ticket ticket, IReadOnlyList<TicketEntry> entries, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var before = (TicketStatus)db.Entry(ticket).Property(t => t.Status).OriginalValue;
        ticket.Version++;
        ticket.UpdatedAt = now;
        if (entries.Any(e => e.Kind != TicketEntryKind.InternalNote))
        {
            ticket.RequesterVersion++;
            ticket.RequesterUpdatedAt = now;
        }

        SlaPolicy.Refresh(ticket);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.TicketEntries.AddRange(entries);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            var by = await ChangedByAsync(ticket.Id, cancellationToken);
            throw Stale(ticket.Number, by);
        }

        // The entry ids exist now; the event carries them.
        WebhookOutbox.Enqueue(db, WebhookType(before, ticket.Status), TicketWebhookPayload.Of(ticket, entries, now), now);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private async Task<string?> ChangedByAsync(long ticketId, CancellationToken cancellationToken)
    {
        await using var fresh = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await fresh.TicketEntries.AsNoTracking()
            .Where(e => e.TicketId == ticketId)
            .OrderByDescending(e => e.Id)
            .Select(e => e.AuthorName)
            .FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>After commit: the desk and the requester hear of the change and each entry; the bell rings for assignments and solutions.</summary>
    private async Task AfterSaveAsync(Ticket ticket, IReadOnlyList<TicketEntry> entries, DateTimeOffset now)
    {
        await publisher.PublishAsync(ticket, [.. entries.Select(ToDto)], now);

        foreach (var entry in entries)
        {
            if (entry.Kind == TicketEntryKind.Assignment && ticket.AssigneeId is { } assigneeId && assigneeId != entry.AuthorId)
            {
                await publisher.NotifyAsync(assigneeId, ticket.Number, entry.AuthorName,
                    $"Assigned it to you: {ticket.Subject}");
            }
            else if (entry.Kind == TicketEntryKind.StatusChange && entry.To == nameof(TicketStatus.Solved) && entry.AuthorId != ticket.RequesterId)
            {
                await publisher.NotifyAsync(ticket.RequesterId, ticket.Number, entry.AuthorName,
                    $"Solved it: {ticket.Subject}. Tell us how we did.");
            }
        }
    }

    private static TicketEntry ChangeStatus(CommunityDbContext db, Actor actor, Ticket ticket, TicketStatus status, DateTimeOffset now)
    {
        var entry = Entry(ticket, actor, TicketEntryKind.StatusChange, now, from: ticket.Status.ToString(), to: status.ToString());
        AuditLog.Add(db, actor, TicketAuditActions.Status, Reason(ticket), now, ticket.RequesterId, ticket.RequesterName, ticket.SourceRoomId,
            before: ticket.Status.ToString(), after: status.ToString());
        if (status.IsResolved())
        {
            ticket.SolvedAt ??= now;
            // A solved source may be escalated again into a new ticket.
            ticket.DedupeKey = null;
        }
        else
        {
            ticket.SolvedAt = null;
        }

        ticket.Status = status;
        return entry;
    }

    private static TicketEntry Assign(CommunityDbContext db, Actor actor, Ticket ticket, string? assigneeId, string assigneeName, DateTimeOffset now)
    {
        var entry = Entry(ticket, actor, TicketEntryKind.Assignment, now, from: ticket.AssigneeName ?? "", to: assigneeId is null ? "" : assigneeName);
        AuditLog.Add(db, actor, TicketAuditActions.Assign, Reason(ticket), now, assigneeId ?? ticket.AssigneeId, assigneeId is null ? ticket.AssigneeName : assigneeName,
            ticket.SourceRoomId, before: ticket.AssigneeName, after: assigneeId is null ? null : assigneeName);
        ticket.AssigneeId = assigneeId;
        ticket.AssigneeName = assigneeId is null ? null : assigneeName;
        return entry;
    }

    private static async Task<(string Id, string Name)> FindAgentAsync(CommunityDbContext db, string userId, CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => new { u.Id, u.DisplayName }).SingleOrDefaultAsync(cancellationToken);
        var works = user is not null && await (
                from userRole in db.UserRoles
                join role in db.Roles on userRole.RoleId equals role.Id
                where userRole.UserId == userId
                    && (role.Name == CommunityRoles.SupportAgent || role.Name == CommunityRoles.CommunityManager || role.Name == CommunityRoles.Admin)
                select role.Id)
            .AnyAsync(cancellationToken);
        return works
            ? (user!.Id, user.DisplayName)
            : throw CommunityException.Invalid("Tickets can be assigned to support agents, community managers and admins only.");
    }

    private async Task<TicketReplyResult?> FindRetryAsync(CommunityDbContext db, Actor actor, Ticket ticket, Guid clientEntryId, CancellationToken cancellationToken)
    {
        var stored = await db.TicketEntries.AsNoTracking()
            .SingleOrDefaultAsync(e => e.AuthorId == actor.UserId && e.ClientEntryId == clientEntryId, cancellationToken);
        if (stored is null)
        {
            return null;
        }

        if (stored.TicketId != ticket.Id)
        {
            throw new CommunityException(CommunityError.Conflict, "This clientEntryId was already used on another ticket.");
        }

        return new TicketReplyResult(Summarize(ticket, clock.GetUtcNow(), TicketRules.WorksDesk(actor)), ToDto(stored));
    }

    private string Queue(string raw)
    {
        var queue = raw.Trim().ToLowerInvariant();
        return _options.QueueList.Contains(queue)
            ? queue
            : throw CommunityException.Invalid($"queue must be one of: {string.Join(", ", _options.QueueList)}.");
    }

    internal string DefaultQueue(string? requested, string roomSlug) =>
        requested is { Length: > 0 } ? Queue(requested)
        : _options.QueueList.Contains(roomSlug) ? roomSlug
        : _options.QueueList[0];

    private static int PageSize(int? limit) => limit switch
    {
        null => DefaultPageSize,
        >= 1 and <= MaxPageSize => limit.Value,
        _ => throw CommunityException.Invalid($"limit must be between 1 and {MaxPageSize}."),
    };

    private static IQueryable<Ticket> ApplySearch(IQueryable<Ticket> tickets, string search)
    {
        if (search.Length > 100)
        {
            throw CommunityException.Invalid("Search for at most 100 characters.");
        }

        var pattern = "%" + search.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
        if (SearchedNumber(search) is { } number)
        {
            return tickets.Where(t => t.Number == number || EF.Functions.Like(t.Subject, pattern, "\\"));
        }

        return tickets.Where(t => EF.Functions.Like(t.Subject, pattern, "\\"));
    }

    /// <summary>
    /// The desk search of <see cref="ListDeskAsync"/> applied to one ticket, for a page placing a ticket that changed
    /// live: its number ("#42" or "42"), or the text anywhere in its subject, whatever the case.
    /// </summary>
    public static bool MatchesSearch(TicketSummaryDto ticket, string? search)
    {
        search = search?.Trim() ?? "";
        return search.Length == 0
            || (SearchedNumber(search) is { } number && ticket.Number == number)
            || ticket.Subject.Contains(search, StringComparison.OrdinalIgnoreCase);
    }

    private static int? SearchedNumber(string search) =>
        int.TryParse(search.TrimStart('#'), NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : null;

    /// <summary>A keyset position: the sort key of the last row shown (priority or SLA due key) and its number.</summary>
    private sealed record Cursor(long Key, int Number)
    {
        public static string Of(TicketSort sort, Ticket last) => sort switch
        {
            TicketSort.Newest => string.Create(CultureInfo.InvariantCulture, $"n.{last.Number}"),
            TicketSort.Priority => string.Create(CultureInfo.InvariantCulture, $"p.{(int)last.Priority}.{last.Number}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"d.{last.SlaDueKey}.{last.Number}"),
        };

        public static Cursor? Parse(string? cursor, TicketSort sort)
        {
            if (string.IsNullOrEmpty(cursor))
            {
                return null;
            }

            var parts = cursor.Split('.');
            var prefix = sort switch { TicketSort.Newest => "n", TicketSort.Priority => "p", _ => "d" };
            if (parts[0] == prefix)
            {
                if (parts.Length == 2 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                {
                    return new Cursor(0, n);
                }

                if (parts.Length == 3
                    && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var key)
                    && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var m)
                    && sort != TicketSort.Newest)
                {
                    return new Cursor(key, m);
                }
            }

            throw CommunityException.Invalid("cursor is not one this list gave; start again without it.");
        }
    }
}

/// <summary>
/// What webhook receivers get for a ticket event: the ticket (desk view, SLA clocks included) and the entries the
/// change added. Internal notes are announced without their text.
/// </summary>
public sealed record TicketWebhookPayload(TicketSummaryDto Ticket, IReadOnlyList<TicketEntryDto> Entries)
{
    internal static TicketWebhookPayload Of(Ticket ticket, IEnumerable<TicketEntry> entries, DateTimeOffset now) => new(
        TicketService.Summarize(ticket, now),
        [.. entries.Select(e => TicketService.ToDto(e) with { Body = e.Kind == TicketEntryKind.InternalNote ? null : e.Body })]);
}
