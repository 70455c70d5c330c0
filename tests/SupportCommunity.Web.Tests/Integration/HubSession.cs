using Microsoft.AspNetCore.SignalR.Client;
using SupportCommunity.Messages;
using SupportCommunity.Web.Realtime;

namespace SupportCommunity.Web.Tests.Integration;

/// <summary>A started hub connection and the events it has received, with the hub methods as typed calls.</summary>
public sealed class HubSession(HubConnection connection, HubEventRecorder events) : IAsyncDisposable
{
    public HubConnection Connection { get; } = connection;

    public HubEventRecorder Events { get; } = events;

    public Task<JoinRoomResult> JoinRoomAsync(string roomSlug, long afterSequence = 0) =>
        Connection.InvokeAsync<JoinRoomResult>("JoinRoom", roomSlug, afterSequence).WaitAsync(CommunityAppFactory.Timeout);

    public Task LeaveRoomAsync(string roomSlug) =>
        Connection.InvokeAsync("LeaveRoom", roomSlug).WaitAsync(CommunityAppFactory.Timeout);

    public Task<MessageDto> SendAsync(string roomSlug, string body, Guid? clientMessageId = null) =>
        Connection.InvokeAsync<MessageDto>("SendMessage", roomSlug, clientMessageId ?? Guid.NewGuid(), body)
            .WaitAsync(CommunityAppFactory.Timeout);

    public Task<MessageDto> EditAsync(long messageId, string body) =>
        Connection.InvokeAsync<MessageDto>("EditMessage", messageId, body).WaitAsync(CommunityAppFactory.Timeout);

    public Task<MessageDto> DeleteAsync(long messageId) =>
        Connection.InvokeAsync<MessageDto>("DeleteMessage", messageId).WaitAsync(CommunityAppFactory.Timeout);

    public Task TypingAsync(string roomSlug) =>
        Connection.InvokeAsync("Typing", roomSlug).WaitAsync(CommunityAppFactory.Timeout);

    public Task StopAsync() => Connection.StopAsync().WaitAsync(CommunityAppFactory.Timeout);

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
