using SupportCommunity.Identity;
using SupportCommunity.Presence;

namespace SupportCommunity.Tickets;

/// <summary>
/// "Sam is viewing / typing on #123" for the desk: presence and typing on the channel
/// <see cref="TicketChannels.Ticket"/>, through the same <see cref="PresenceTracker"/> and <see cref="TypingSignal"/> as
/// rooms (so it spans nodes with Redis, and a closed connection or circuit leaves by itself). Only agents, managers and
/// admins may watch; customers never see it.
/// </summary>
public sealed class TicketCollision(TicketService tickets, PresenceTracker presence, TypingSignal typing)
{
    /// <summary>
    /// Marks <paramref name="connectionId"/> (a hub connection or a circuit) as viewing the ticket; returns who views it
    /// now. Subscribe to the bus channel <see cref="TicketChannels.Ticket"/> for PresenceChanged and UserTyping.
    /// </summary>
    public async Task<RoomPresence> EnterAsync(Actor actor, int number, string connectionId, CancellationToken cancellationToken = default)
    {
        await EnsureDeskAsync(actor, number, cancellationToken);
        return await presence.EnterAsync(TicketChannels.Ticket(number), connectionId, new PresenceUser(actor.UserId, actor.DisplayName, actor.PrimaryRole));
    }

    public Task LeaveAsync(Actor actor, int number, string connectionId) =>
        presence.LeaveAsync(TicketChannels.Ticket(number), connectionId, actor.UserId);

    /// <summary>"Typing" on the ticket, relayed at most every 2 s.</summary>
    public async Task TypingAsync(Actor actor, int number, CancellationToken cancellationToken = default)
    {
        await EnsureDeskAsync(actor, number, cancellationToken);
        await typing.SendAsync(actor, TicketChannels.Ticket(number));
    }

    /// <summary>
    /// For a Blazor circuit: checks that <paramref name="actor"/> may watch the ticket and returns its presence channel,
    /// to enter with <c>CircuitPresence.EnterAsync(channel, key, user)</c> (which leaves by itself when the tab drops).
    /// </summary>
    public async Task<string> AuthorizeWatchAsync(Actor actor, int number, CancellationToken cancellationToken = default)
    {
        await EnsureDeskAsync(actor, number, cancellationToken);
        return TicketChannels.Ticket(number);
    }

    /// <summary>Who is viewing the ticket now (desk only).</summary>
    public async Task<RoomPresence> GetViewersAsync(Actor actor, int number, CancellationToken cancellationToken = default)
    {
        await EnsureDeskAsync(actor, number, cancellationToken);
        return await presence.GetAsync(TicketChannels.Ticket(number));
    }

    private async Task EnsureDeskAsync(Actor actor, int number, CancellationToken cancellationToken)
    {
        if (!TicketRules.WorksDesk(actor))
        {
            // A customer learns nothing here, not even whether the ticket exists.
            throw TicketRules.NotFound(number);
        }

        await tickets.EnsureExistsAsync(number, cancellationToken);
    }
}
