using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Presence;
using SupportCommunity.Rooms;

namespace SupportCommunity.Web.Realtime;

/// <summary>
/// The public real-time contract (design.md §4, docs/api.md). Methods authorize and validate through the feature
/// services; pushes from outside the hub go through <see cref="CommunityNotifier"/>.
/// </summary>
[Authorize]
public sealed class CommunityHub(
    MessageService messages,
    RoomService rooms,
    PresenceTracker presence,
    TypingSignal typing) : Hub<ICommunityClient>
{
    public const string Path = "/hubs/community";

    private const string JoinedRoomsKey = "joined-rooms";

    public async Task<JoinRoomResult> JoinRoom(string roomSlug, long afterSequence)
    {
        var actor = CurrentActor;
        _ = await rooms.FindAsync(roomSlug ?? "", Context.ConnectionAborted)
            ?? throw CommunityException.NotFound($"There is no room '{roomSlug}'.");

        // Join the group before reading, so nothing sent in between is missed; clients drop what they already hold.
        var group = HubGroups.Room(roomSlug!);
        var newlyJoined = JoinedRooms.Add(roomSlug!);
        await Groups.AddToGroupAsync(Context.ConnectionId, group, Context.ConnectionAborted);

        RoomSnapshot snapshot;
        try
        {
            snapshot = await messages.CatchUpAsync(roomSlug!, afterSequence, Context.ConnectionAborted);
        }
        catch when (newlyJoined)
        {
            // A refused join leaves the connection outside the room, as it was before.
            JoinedRooms.Remove(roomSlug!);
            await Groups.RemoveFromGroupAsync(Context.ConnectionId, group, CancellationToken.None);
            throw;
        }

        var online = await presence.EnterAsync(roomSlug!, Context.ConnectionId, ToPresenceUser(actor));
        return new JoinRoomResult(snapshot.Room, snapshot.Messages, snapshot.HasMore, snapshot.Reset, online);
    }

    public async Task LeaveRoom(string roomSlug)
    {
        if (roomSlug is null || !JoinedRooms.Remove(roomSlug))
        {
            return;
        }

        await Groups.RemoveFromGroupAsync(Context.ConnectionId, HubGroups.Room(roomSlug), Context.ConnectionAborted);
        await presence.LeaveAsync(roomSlug, Context.ConnectionId, CurrentActor.UserId);
    }

    public Task<MessageDto> SendMessage(string roomSlug, Guid clientMessageId, string body) =>
        messages.SendAsync(CurrentActor, roomSlug ?? "", clientMessageId, body, replyToSequence: null, Context.ConnectionAborted);

    public Task<MessageDto> EditMessage(long messageId, string body) =>
        messages.EditAsync(CurrentActor, messageId, body, Context.ConnectionAborted);

    public Task<MessageDto> DeleteMessage(long messageId) =>
        messages.DeleteAsync(CurrentActor, messageId, Context.ConnectionAborted);

    public Task Typing(string roomSlug)
    {
        if (roomSlug is null || !JoinedRooms.Contains(roomSlug))
        {
            throw CommunityException.Invalid("Join the room before sending typing notices.");
        }

        return typing.SendAsync(CurrentActor, roomSlug);
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        if (Actor.From(Context.User!) is { } actor)
        {
            await presence.LeaveAllAsync(Context.ConnectionId, actor.UserId);
        }

        await base.OnDisconnectedAsync(exception);
    }

    private Actor CurrentActor =>
        Actor.From(Context.User!) ?? throw CommunityException.Forbidden("Sign in to use the community.");

    private HashSet<string> JoinedRooms
    {
        get
        {
            if (Context.Items.TryGetValue(JoinedRoomsKey, out var value) && value is HashSet<string> joined)
            {
                return joined;
            }

            joined = new HashSet<string>(StringComparer.Ordinal);
            Context.Items[JoinedRoomsKey] = joined;
            return joined;
        }
    }

    private static PresenceUser ToPresenceUser(Actor actor) => new(actor.UserId, actor.DisplayName, actor.PrimaryRole);
}

/// <summary>
/// What <see cref="CommunityHub.JoinRoom"/> returns. <see cref="Reset"/>: the client missed too much to replay, so
/// this is the latest page and replaces what it holds.
/// </summary>
public sealed record JoinRoomResult(
    RoomDto Room, IReadOnlyList<MessageDto> Messages, bool HasMore, bool Reset, RoomPresence Online);
