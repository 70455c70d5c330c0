using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;
using SupportCommunity.Presence;
using SupportCommunity.Web.Realtime;

namespace SupportCommunity.Web.Tests.Integration;

/// <summary>Records every event the hub sends to one connection, one channel per event, so tests await instead of sleeping.</summary>
public sealed class HubEventRecorder
{
    private HubEventRecorder()
    {
    }

    public EventChannel<MessageDto> MessageReceived { get; } = new(nameof(ICommunityClient.MessageReceived));

    public EventChannel<MessageDto> MessageUpdated { get; } = new(nameof(ICommunityClient.MessageUpdated));

    public EventChannel<PresenceEvent> PresenceChanged { get; } = new(nameof(ICommunityClient.PresenceChanged));

    public EventChannel<TypingEvent> UserTyping { get; } = new(nameof(ICommunityClient.UserTyping));

    public EventChannel<RoomControlsDto> RoomSettingsChanged { get; } = new(nameof(ICommunityClient.RoomSettingsChanged));

    public EventChannel<SanctionDto> Sanctioned { get; } = new(nameof(ICommunityClient.Sanctioned));

    /// <summary>Registers the handlers; call before <see cref="HubConnection.StartAsync"/> so nothing is missed.</summary>
    public static HubEventRecorder Attach(HubConnection connection)
    {
        var recorder = new HubEventRecorder();
        connection.On<MessageDto>(nameof(ICommunityClient.MessageReceived), recorder.MessageReceived.Add);
        connection.On<MessageDto>(nameof(ICommunityClient.MessageUpdated), recorder.MessageUpdated.Add);
        connection.On<string, RoomPresence>(
            nameof(ICommunityClient.PresenceChanged), (room, online) => recorder.PresenceChanged.Add(new PresenceEvent(room, online)));
        connection.On<string, PresenceUser>(
            nameof(ICommunityClient.UserTyping), (room, user) => recorder.UserTyping.Add(new TypingEvent(room, user)));
        connection.On<string, RoomControlsDto>(
            nameof(ICommunityClient.RoomSettingsChanged), (_, controls) => recorder.RoomSettingsChanged.Add(controls));
        connection.On<SanctionDto>(nameof(ICommunityClient.Sanctioned), recorder.Sanctioned.Add);
        return recorder;
    }
}

public sealed record PresenceEvent(string RoomSlug, RoomPresence Online);

public sealed record TypingEvent(string RoomSlug, PresenceUser User);

/// <summary>The events of one kind, in arrival order.</summary>
public sealed class EventChannel<T>(string name)
{
    private readonly Channel<T> _channel = Channel.CreateUnbounded<T>();

    internal void Add(T item) => _channel.Writer.TryWrite(item);

    /// <summary>The next event, or a <see cref="TimeoutException"/> naming the event when none arrives in time.</summary>
    public async Task<T> NextAsync(TimeSpan? timeout = null)
    {
        var wait = timeout ?? CommunityAppFactory.Timeout;
        using var cts = new CancellationTokenSource(wait);
        try
        {
            // A cancelled read takes nothing from the channel, so a late event is still there for the next call.
            return await _channel.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"No {name} event arrived within {wait.TotalSeconds:0} s.");
        }
    }

    /// <summary>Skips events until one matches; returns the match and leaves later events queued.</summary>
    public async Task<T> NextMatchingAsync(Func<T, bool> predicate, TimeSpan? timeout = null) =>
        (await UntilAsync(predicate, timeout))[^1];

    /// <summary>
    /// Every event up to and including the first that matches. A positive barrier: once the match is in, anything sent
    /// before it is in the list too, so a test can check that something did not arrive.
    /// </summary>
    public async Task<IReadOnlyList<T>> UntilAsync(Func<T, bool> predicate, TimeSpan? timeout = null)
    {
        var wait = timeout ?? CommunityAppFactory.Timeout;
        var deadline = DateTime.UtcNow + wait;
        var items = new List<T>();
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"No matching {name} event arrived within {wait.TotalSeconds:0} s.");
            }

            var item = await NextAsync(left);
            items.Add(item);
            if (predicate(item))
            {
                return items;
            }
        }
    }
}
