using Microsoft.AspNetCore.SignalR;
using SupportCommunity.Events;

namespace SupportCommunity.Web.Realtime;

/// <summary>The one place that pushes to hub clients: it relays every room event to the room's group.</summary>
public sealed class CommunityNotifier(IRoomEventBus bus, IHubContext<CommunityHub, ICommunityClient> hub) : IHostedService
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = bus.Subscribe(roomSlug: null, RelayAsync);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    private Task RelayAsync(RoomEvent roomEvent)
    {
        var room = hub.Clients.Group(HubGroups.Room(roomEvent.RoomSlug));
        return roomEvent switch
        {
            MessagePosted posted => room.MessageReceived(posted.Message),
            MessageChanged changed => room.MessageUpdated(changed.Message),
            PresenceChanged presence => room.PresenceChanged(presence.RoomSlug, presence.Online),
            UserTyping typing => room.UserTyping(typing.RoomSlug, typing.User),
            _ => Task.CompletedTask,
        };
    }
}
