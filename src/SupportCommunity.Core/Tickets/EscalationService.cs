#pragma warning disable CS9113 // contract commit: bodies follow
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SupportCommunity.Data;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Rooms;

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
    /// <summary>
    /// Opens a ticket from a thread or a private conversation, or returns the open one it already has (unless
    /// <see cref="EscalateRequest.Force"/>). After commit the customer gets an in-room notice and a bell entry.
    /// </summary>
    public Task<EscalationResult> EscalateAsync(Actor actor, EscalateRequest request, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();
}
