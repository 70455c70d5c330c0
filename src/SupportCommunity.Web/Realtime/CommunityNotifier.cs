using Microsoft.AspNetCore.SignalR;
using StackExchange.Redis;
using SupportCommunity.Events;
using SupportCommunity.Moderation;

namespace SupportCommunity.Web.Realtime;

/// <summary>
/// The one place that pushes to hub clients: it relays room events to the room's group. With a Redis backplane the
/// backplane carries each send to every node, so the notifier relays only events published on its own node.
/// </summary>
public sealed class CommunityNotifier(
    IRoomEventBus bus, IHubContext<CommunityHub, ICommunityClient> hub, IServiceProvider services) : IHostedService
{
    private readonly IConnectionMultiplexer? _redis = services.GetService<IConnectionMultiplexer>();
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = bus.Subscribe(roomSlug: null, RelayAsync, _redis is null ? EventScope.AllNodes : EventScope.ThisNode);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    private Task RelayAsync(RoomEvent roomEvent)
    {
        // While the backplane is down a send would wait for its timeout and delay every later one; skip it.
        // Clients catch up when it returns (CatchUpRequested → Resync).
        if (_redis is { IsConnected: false })
        {
            return Task.CompletedTask;
        }

        var room = hub.Clients.Group(HubGroups.Room(roomEvent.RoomSlug));
        return roomEvent switch
        {
            NotificationAdded added => hub.Clients.Group(HubGroups.User(added.UserId)).NotificationReceived(added.Notification, added.Unread),
            ReadMarked read => hub.Clients.Group(HubGroups.User(read.UserId)).ReadStateChanged(read.Room, read.LastReadSequence, read.UnreadNotifications),
            NotificationsRead read => hub.Clients.Group(HubGroups.User(read.UserId)).NotificationsRead(read.Unread),
            MessagePosted posted => room.MessageReceived(posted.Message),
            MessageChanged changed => room.MessageUpdated(changed.Message),
            PresenceChanged presence => room.PresenceChanged(presence.RoomSlug, presence.Online),
            UserTyping typing => room.UserTyping(typing.RoomSlug, typing.User),
            RoomSettingsChanged changed => room.RoomSettingsChanged(changed.RoomSlug, changed.Controls),
            CatchUpRequested => hub.Clients.All.Resync(),
            ModerationQueueChanged queue => hub.Clients.Group(HubGroups.Moderators).ModerationQueueChanged(queue.Room),
            _ => Task.CompletedTask,
        };
    }
}
