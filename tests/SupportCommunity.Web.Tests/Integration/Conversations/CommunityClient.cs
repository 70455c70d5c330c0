using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using SupportCommunity.Conversations;
using SupportCommunity.Messages;
using SupportCommunity.Notifications;
using SupportCommunity.Web.Realtime;

namespace SupportCommunity.Web.Tests.Integration.Conversations;

/// <summary>One event as the connection received it: its name and its arguments as JSON, to search for text.</summary>
public sealed record RecordedEvent(string Name, string Json)
{
    public bool Contains(string text) => Json.Contains(text, StringComparison.Ordinal);
}

public sealed record NotificationEvent(NotificationDto Notification, int Unread);

public sealed record ReadStateEvent(string RoomSlug, long LastReadSequence, int UnreadNotifications);

/// <summary>
/// Records every event of <see cref="ICommunityClient"/> (found by reflection, so an event added later is recorded
/// too) into one channel in arrival order, plus typed channels for the bell and read-mark events.
/// </summary>
public sealed class FullEventRecorder
{
    /// <summary>Text as written (no \u escapes for quotes or accents), so that a search for a body finds it.</summary>
    private static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private FullEventRecorder()
    {
    }

    /// <summary>Every event, whatever its kind, in arrival order.</summary>
    public EventChannel<RecordedEvent> All { get; } = new("hub");

    public EventChannel<NotificationEvent> NotificationReceived { get; } = new(nameof(ICommunityClient.NotificationReceived));

    public EventChannel<ReadStateEvent> ReadStateChanged { get; } = new(nameof(ICommunityClient.ReadStateChanged));

    public EventChannel<int> NotificationsRead { get; } = new(nameof(ICommunityClient.NotificationsRead));

    /// <summary>Registers the handlers; call before the connection starts so nothing is missed.</summary>
    public static FullEventRecorder Attach(HubConnection connection)
    {
        var recorder = new FullEventRecorder();
        foreach (var method in typeof(ICommunityClient).GetMethods(BindingFlags.Public | BindingFlags.Instance))
        {
            var types = method.GetParameters().Select(p => p.ParameterType).ToArray();
            connection.On(method.Name, types, (args, state) =>
            {
                var name = (string)state;
                recorder.All.Add(new RecordedEvent(name, JsonSerializer.Serialize(args, Json)));
                return Task.CompletedTask;
            }, method.Name);
        }

        connection.On<NotificationDto, int>(
            nameof(ICommunityClient.NotificationReceived), (n, unread) => recorder.NotificationReceived.Add(new NotificationEvent(n, unread)));
        connection.On<string, long, int>(
            nameof(ICommunityClient.ReadStateChanged), (room, seq, unread) => recorder.ReadStateChanged.Add(new ReadStateEvent(room, seq, unread)));
        connection.On<int>(nameof(ICommunityClient.NotificationsRead), recorder.NotificationsRead.Add);
        return recorder;
    }
}

/// <summary>
/// A started hub connection with every event recorded (<see cref="Seen"/>) besides the message events of
/// <see cref="HubSession"/>, and the issue 5 hub methods (threads, search, private conversations, bell, read marks).
/// </summary>
public sealed class CommunityClient(HubSession session, FullEventRecorder seen) : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = CommunityAppFactory.Timeout;

    public HubSession Session { get; } = session;

    public HubEventRecorder Events => Session.Events;

    public FullEventRecorder Seen { get; } = seen;

    private HubConnection Connection => Session.Connection;

    public Task<JoinRoomResult> JoinRoomAsync(string roomSlug, long afterSequence = 0) => Session.JoinRoomAsync(roomSlug, afterSequence);

    public Task<MessageDto> SendAsync(string roomSlug, string body, Guid? clientMessageId = null) => Session.SendAsync(roomSlug, body, clientMessageId);

    public Task<MessageDto> SendReplyAsync(string roomSlug, string body, long replyToSequence, Guid? clientMessageId = null) =>
        Connection.InvokeAsync<MessageDto>("SendReply", roomSlug, clientMessageId ?? Guid.NewGuid(), body, replyToSequence).WaitAsync(Timeout);

    public Task<MessageDto> EditAsync(long messageId, string body) => Session.EditAsync(messageId, body);

    public Task<MessageDto> DeleteAsync(long messageId) => Session.DeleteAsync(messageId);

    public Task TypingAsync(string roomSlug) => Session.TypingAsync(roomSlug);

    public Task<ThreadView> GetThreadAsync(string roomSlug, long sequence) =>
        Connection.InvokeAsync<ThreadView>("GetThread", roomSlug, sequence).WaitAsync(Timeout);

    public Task<HistoryPage> GetHistoryAsync(string roomSlug, long? beforeSequence = null, int? limit = null) =>
        Connection.InvokeAsync<HistoryPage>("GetHistory", roomSlug, beforeSequence, limit).WaitAsync(Timeout);

    public async Task<IReadOnlyList<MessageDto>> SearchAsync(string roomSlug, string query) =>
        await Connection.InvokeAsync<List<MessageDto>>("SearchMessages", roomSlug, query).WaitAsync(Timeout);

    public Task<ConversationDto> ReplyPrivatelyAsync(string roomSlug, long sequence) =>
        Connection.InvokeAsync<ConversationDto>("ReplyPrivately", roomSlug, sequence).WaitAsync(Timeout);

    public async Task<IReadOnlyList<ConversationDto>> ListConversationsAsync() =>
        await Connection.InvokeAsync<List<ConversationDto>>("ListConversations").WaitAsync(Timeout);

    public Task<ConversationDto> GetConversationAsync(string conversationSlug) =>
        Connection.InvokeAsync<ConversationDto>("GetConversation", conversationSlug).WaitAsync(Timeout);

    public Task<MessageDto> PostPublicSummaryAsync(string conversationSlug, string body, Guid? clientMessageId = null) =>
        Connection.InvokeAsync<MessageDto>("PostPublicSummary", conversationSlug, clientMessageId ?? Guid.NewGuid(), body).WaitAsync(Timeout);

    public Task<ConversationDto> SetSummaryOptOutAsync(string conversationSlug, bool optOut) =>
        Connection.InvokeAsync<ConversationDto>("SetSummaryOptOut", conversationSlug, optOut).WaitAsync(Timeout);

    public Task MarkReadAsync(string roomSlug, long sequence) =>
        Connection.InvokeAsync("MarkRead", roomSlug, sequence).WaitAsync(Timeout);

    public Task<NotificationPage> GetNotificationsAsync(long? beforeId = null) =>
        Connection.InvokeAsync<NotificationPage>("GetNotifications", beforeId).WaitAsync(Timeout);

    public Task<int> MarkNotificationsReadAsync(long? notificationId) =>
        Connection.InvokeAsync<int>("MarkNotificationsRead", notificationId).WaitAsync(Timeout);

    public ValueTask DisposeAsync() => Session.DisposeAsync();
}

public static class CommunityClientFactory
{
    /// <summary>A started hub connection for <paramref name="email"/>, every event recorded from the start.</summary>
    public static async Task<CommunityClient> ConnectClientAsync(this CommunityAppFactory app, string email)
    {
        var connection = app.BuildHubConnection(await app.LoginAsync(email), HttpTransportType.WebSockets);
        var events = HubEventRecorder.Attach(connection);
        var seen = FullEventRecorder.Attach(connection);
        try
        {
            await connection.StartAsync().WaitAsync(CommunityAppFactory.Timeout);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        return new CommunityClient(new HubSession(connection, events), seen);
    }
}
