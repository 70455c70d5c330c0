#pragma warning disable CS9113 // contract commit: bodies follow
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SupportCommunity.Data;
using SupportCommunity.Identity;
using SupportCommunity.Messages;

namespace SupportCommunity.Tickets;

/// <summary>
/// The desk and the customer's side of tickets: one method per user action. Requesters see their own tickets (never
/// internal notes); agents, managers and admins see and work every ticket. A ticket the caller may not see is
/// answered exactly like one that does not exist.
/// </summary>
public sealed partial class TicketService(
    IDbContextFactory<CommunityDbContext> dbFactory,
    TicketPublisher publisher,
    SlaPolicy sla,
    IOptions<TicketOptions> options,
    IOptions<CommunityLimits> limits,
    TimeProvider clock)
{
    /// <summary>The ticket's page: the requester's view for its customer, the full one for the desk.</summary>
    public Task<TicketDto> GetAsync(Actor actor, int number, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>The desk's list (agents, managers, admins), filtered, sorted and paged by keyset.</summary>
    public Task<TicketPage> ListDeskAsync(Actor actor, TicketQuery query, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>"My tickets": the caller's own tickets as requester, newest first.</summary>
    public Task<TicketPage> ListMineAsync(Actor actor, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>The people tickets can be assigned to.</summary>
    public Task<IReadOnlyList<TicketAgentDto>> ListAgentsAsync(Actor actor, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>Takes an unassigned ticket (or one already yours); someone else's claim is a conflict.</summary>
    public Task<TicketDto> ClaimAsync(Actor actor, int number, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

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
    public Task<TicketDto> UpdateAsync(Actor actor, int number, TicketChange change, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>
    /// A public reply (staff, or the requester on their own ticket) or an internal note (staff only). Idempotent with
    /// <paramref name="clientEntryId"/>.
    /// </summary>
    public Task<TicketReplyResult> ReplyAsync(
        Actor actor, int number, string? body, bool internalNote = false, Guid? clientEntryId = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>The requester rates a solved or closed ticket, 1 to 5, with an optional comment; they may change it.</summary>
    public Task<TicketDto> RateAsync(Actor actor, int number, int rating, string? comment, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();
}
