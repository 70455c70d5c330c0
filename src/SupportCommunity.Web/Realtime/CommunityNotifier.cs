using Microsoft.AspNetCore.SignalR;
using StackExchange.Redis;
using SupportCommunity.Events;
using SupportCommunity.Moderation;
using SupportCommunity.Identity;
using SupportCommunity.Presence;
using SupportCommunity.Tickets;

namespace SupportCommunity.Web.Realtime;

/// <summary>
/// The one place that pushes to hub clients. A room's events reach every node on the event bus, and each node writes
/// them to its own connections in the room (<see cref="RoomFanOut"/>). Events for users, the desk and the moderators
/// go to SignalR groups; with a Redis backplane the backplane carries those to every node, so for them the notifier
/// relays only events published on its own node. One subscription for both, so a client hears of a message before
/// the notification about it.
/// </summary>
/// <remarks>
/// Sanctions and rights changes are handled by every node for the connections it holds (<see cref="HubConnections"/>),
/// so they ride a second, all-nodes subscription: each node tells its own connections, takes a room-banned user's
/// connections out of the room's group, and closes a community-banned user's connections.
/// </remarks>
public sealed partial class CommunityNotifier(
    IRoomEventBus bus,
    IHubContext<CommunityHub, ICommunityClient> hub,
    HubConnections connections,
    RoomFanOut rooms,
    PresenceTracker presence,
    ActorDirectory actors,
    ILogger<CommunityNotifier> logger,
    IServiceProvider services) : IHostedService
{
    private readonly IConnectionMultiplexer? _redis = services.GetService<IConnectionMultiplexer>();
    private IDisposable? _subscription;
    private IDisposable? _userSubscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = bus.Subscribe(roomSlug: null, RelayAsync, EventScope.AllNodes);
        _userSubscription = bus.Subscribe(roomSlug: null, EnforceAsync, EventScope.AllNodes);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        _userSubscription?.Dispose();
        return Task.CompletedTask;
    }

    private async Task EnforceAsync(RoomEvent roomEvent)
    {
        if (roomEvent is not (SanctionChanged or RightsChanged))
        {
            return;
        }

        var userId = roomEvent is SanctionChanged s ? s.UserId : ((RightsChanged)roomEvent).UserId;
        // The directory drops its cache on its own subscription too; doing it here first means a client that acts
        // as soon as it is told is judged by the new rights.
        actors.Forget(userId);
        var local = connections.Of(userId);
        if (local.Count == 0)
        {
            return;
        }

        var ids = local.Select(c => c.ConnectionId).ToList();
        try
        {
            if (roomEvent is RightsChanged)
            {
                // The desk group carries internal notes, the moderators' group the queue's changes: both follow the
                // roles as they are now, so a grant takes effect live and a revocation ends the feed at once.
                var actor = await actors.GetAsync(userId, "", CancellationToken.None);
                foreach (var (group, member) in new[] { (HubGroups.Desk, TicketRules.WorksDesk(actor)), (HubGroups.Moderators, ModerationQueueService.MaySee(actor)) })
                {
                    foreach (var id in ids)
                    {
                        await (member ? hub.Groups.AddToGroupAsync(id, group) : hub.Groups.RemoveFromGroupAsync(id, group));
                    }
                }

                await hub.Clients.Clients(ids).RightsChanged();
                return;
            }

            var sanction = ((SanctionChanged)roomEvent).Sanction;
            if (sanction.Active && sanction.Kind == "room-ban" && sanction.RoomSlug is { } slug)
            {
                foreach (var connection in local)
                {
                    rooms.Leave(connection.ConnectionId, slug);
                    await presence.LeaveAsync(slug, connection.ConnectionId, userId);
                }
            }

            await hub.Clients.Clients(ids).Sanctioned(sanction);
            if (sanction.Active && sanction.Kind == "community-ban")
            {
                foreach (var connection in local)
                {
                    connection.Abort();
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            EnforceFailed(ex, userId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Applying a sanction or rights change to the live connections of {UserId} failed")]
    private partial void EnforceFailed(Exception exception, string userId);

    /// <summary>
    /// A room's events, from any node, to this node's connections in the room. Never waits for a connection (see
    /// <see cref="RoomFanOut"/>), and needs no Redis: while it is away this node's rooms stay live. False for an event
    /// that is not a room's.
    /// </summary>
    private bool RelayToRoom(RoomEvent roomEvent)
    {
        var slug = roomEvent.RoomSlug;
        switch (roomEvent)
        {
            case MessagePosted { Again: true } posted:
                rooms.Send(slug, nameof(ICommunityClient.MessageAnnouncedAgain), posted.Message);
                break;
            case MessagePosted posted:
                rooms.Send(slug, nameof(ICommunityClient.MessageReceived), posted.Message);
                break;
            case MessageChanged changed:
                rooms.Send(slug, nameof(ICommunityClient.MessageUpdated), changed.Message);
                break;
            case PresenceChanged changed:
                rooms.Send(slug, nameof(ICommunityClient.PresenceChanged), changed.RoomSlug, changed.Online);
                break;
            case UserTyping typing:
                rooms.Send(slug, nameof(ICommunityClient.UserTyping), typing.RoomSlug, typing.User);
                break;
            case RoomSettingsChanged changed:
                rooms.Send(slug, nameof(ICommunityClient.RoomSettingsChanged), changed.RoomSlug, changed.Controls);
                break;
            default:
                return false;
        }

        return true;
    }

    private Task RelayAsync(RoomEvent roomEvent)
    {
        // With a backplane, another node's events for users, the desk or the moderators were sent by that node.
        if (RelayToRoom(roomEvent) || (_redis is not null && roomEvent.FromOtherNode))
        {
            return Task.CompletedTask;
        }

        // This node's link to Redis came back (the event bus's or the backplane's: each raises it). Its own clients
        // catch up from the database: written here, not through the backplane, which may still be reconnecting and
        // would lose it. The other nodes' clients may have missed this node's events meanwhile, though their own links
        // never dropped: they are told through the backplane once both links are up (the later of the two does it).
        if (roomEvent is CatchUpRequested)
        {
            rooms.SendToEveryoneHere(nameof(ICommunityClient.Resync));
            return _redis is { IsConnected: true } ? hub.Clients.All.Resync() : Task.CompletedTask;
        }

        // While the backplane is down a send would wait for its timeout and delay every later one; skip it.
        // Clients catch up when it returns (CatchUpRequested → Resync).
        if (_redis is { IsConnected: false })
        {
            return Task.CompletedTask;
        }

        var send = roomEvent switch
        {
            NotificationAdded added => hub.Clients.Group(HubGroups.User(added.UserId)).NotificationReceived(added.Notification, added.Unread),
            ReadMarked read => hub.Clients.Group(HubGroups.User(read.UserId)).ReadStateChanged(read.Room, read.LastReadSequence, read.UnreadNotifications),
            NotificationsRead read => hub.Clients.Group(HubGroups.User(read.UserId)).NotificationsRead(read.Unread),
            ModerationQueueChanged queue => hub.Clients.Group(HubGroups.Moderators).ModerationQueueChanged(queue.Room),
            // The desk's copies carry everything; a requester's copies are made without internal entries (TicketPublisher).
            TicketChanged { UserId: null } changed => hub.Clients.Group(HubGroups.Desk).TicketChanged(changed.Ticket),
            TicketChanged changed => hub.Clients.Group(HubGroups.User(changed.UserId!)).TicketChanged(changed.Ticket),
            TicketEntryAdded { UserId: null } added => hub.Clients.Group(HubGroups.Desk).TicketEntryAdded(added.TicketNumber, added.Entry),
            TicketEntryAdded added when !added.Entry.Internal => hub.Clients.Group(HubGroups.User(added.UserId!)).TicketEntryAdded(added.TicketNumber, added.Entry),
            _ => Task.CompletedTask,
        };

        // Not awaited. SignalR starts every connection's write before the send returns and keeps each connection's
        // writes in order, so waiting here would only hold every later event behind the slowest connection of the
        // group, up to its send timeout.
        if (!send.IsCompletedSuccessfully)
        {
            _ = ObserveAsync(send, roomEvent);
        }

        return Task.CompletedTask;
    }

    private async Task ObserveAsync(Task send, RoomEvent roomEvent)
    {
        try
        {
            await send;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            RelayFailed(ex, roomEvent.GetType().Name, roomEvent.RoomSlug);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Relaying {Event} in {Room} to hub clients failed; they catch up on their next join or resync")]
    private partial void RelayFailed(Exception exception, string @event, string room);
}
