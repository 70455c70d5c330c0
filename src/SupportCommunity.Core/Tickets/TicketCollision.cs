#pragma warning disable CS9113 // contract commit: bodies follow
using SupportCommunity.Identity;
using SupportCommunity.Presence;

namespace SupportCommunity.Tickets;

/// <summary>
/// "Sam is viewing / typing on #123" for the desk: presence and typing on the channel
/// <see cref="TicketChannels.Ticket"/>, through the same <see cref="PresenceTracker"/> and <see cref="TypingSignal"/> as
/// rooms (so it spans nodes with Redis). Only agents, managers and admins may watch; customers never see it.
/// </summary>
public sealed class TicketCollision(TicketService tickets, PresenceTracker presence, TypingSignal typing)
{
    /// <summary>
    /// Marks <paramref name="connectionId"/> (a hub connection or a circuit) as viewing the ticket; returns who views it
    /// now. Subscribe to the bus channel <see cref="TicketChannels.Ticket"/> for PresenceChanged and UserTyping.
    /// </summary>
    public Task<RoomPresence> EnterAsync(Actor actor, int number, string connectionId, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    public Task LeaveAsync(Actor actor, int number, string connectionId) => throw new NotImplementedException();

    /// <summary>"Typing" on the ticket, relayed at most every 2 s.</summary>
    public Task TypingAsync(Actor actor, int number, CancellationToken cancellationToken = default) => throw new NotImplementedException();
}
