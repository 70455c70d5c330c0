using System.Net;
using System.Net.Http.Json;
using SupportCommunity.Messages;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Messaging;

public sealed class IdempotencyTests(CommunityAppFactory app) : IClassFixture<CommunityAppFactory>
{
    [Fact]
    public async Task SendMessage_SameClientMessageIdTwiceOverHub_StoresOneMessage()
    {
        using var api = await app.CreateApiClientAsync(Customer);
        await using var hub = await app.ConnectAsync(Customer);
        var before = await api.GetLastSequenceAsync(General);
        var id = Guid.NewGuid();

        var first = await hub.SendAsync(General, "Does the free plan include version history?", id);
        var retry = await hub.SendAsync(General, "Does the free plan include version history?", id);

        Assert.Equal(first, retry);
        Assert.Equal(before + 1, first.Sequence);
        await AssertStoredOnceAsync(api, General, id, before);
    }

    [Fact]
    public async Task PostMessage_SameClientMessageIdTwice_StoresOneMessageAndBothReturnIt()
    {
        using var api = await app.CreateApiClientAsync(Customer);
        var before = await api.GetLastSequenceAsync(General);
        var id = Guid.NewGuid();

        using var firstResponse = await api.PostMessageAsync(General, "How long are deleted files kept?", id);
        using var retryResponse = await api.PostMessageAsync(General, "How long are deleted files kept?", id);

        Assert.Equal(HttpStatusCode.Created, firstResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retryResponse.StatusCode);
        var first = await firstResponse.Content.ReadFromJsonAsync<MessageDto>();
        var retry = await retryResponse.Content.ReadFromJsonAsync<MessageDto>();
        Assert.NotNull(first);
        Assert.Equal(first, retry);
        Assert.Equal(before + 1, first.Sequence);
        await AssertStoredOnceAsync(api, General, id, before);
    }

    [Fact]
    public async Task SendMessage_RetryOverRestOfAHubSend_ReturnsTheStoredMessage()
    {
        using var api = await app.CreateApiClientAsync(Customer);
        await using var hub = await app.ConnectAsync(Customer);
        var before = await api.GetLastSequenceAsync(Feedback);
        var id = Guid.NewGuid();

        var overHub = await hub.SendAsync(Feedback, "Dark mode please!", id);
        var overRest = await api.SendAsync(Feedback, "Dark mode please!", id);

        Assert.Equal(overHub, overRest);
        await AssertStoredOnceAsync(api, Feedback, id, before);
    }

    [Fact]
    public async Task SendMessage_SameClientMessageIdInAnotherRoomOverHub_IsRefusedAndStoresNothing()
    {
        using var api = await app.CreateApiClientAsync(Customer2);
        await using var hub = await app.ConnectAsync(Customer2);
        var id = Guid.NewGuid();
        await hub.SendAsync(General, "First use of this id.", id);
        var billingBefore = await api.GetLastSequenceAsync(Billing);

        await HubAssert.RefusedAsync(() => hub.SendAsync(Billing, "Second use, other room.", id), "another room");

        Assert.Equal(billingBefore, await api.GetLastSequenceAsync(Billing));
    }

    [Fact]
    public async Task PostMessage_SameClientMessageIdInAnotherRoom_Returns409AndStoresNothing()
    {
        using var api = await app.CreateApiClientAsync(Customer2);
        var id = Guid.NewGuid();
        await api.SendAsync(General, "First use of this id.", id);
        var billingBefore = await api.GetLastSequenceAsync(Billing);

        using var response = await api.PostMessageAsync(Billing, "Second use, other room.", id);

        var problem = await response.ReadProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("another room", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(billingBefore, await api.GetLastSequenceAsync(Billing));
    }

    [Fact]
    public async Task SendMessage_SameClientMessageIdFromAnotherUser_StoresTheirOwnMessage()
    {
        using var api = await app.CreateApiClientAsync(Member);
        using var other = await app.CreateApiClientAsync(Agent);
        var id = Guid.NewGuid();

        var mine = await api.SendAsync(General, "Mine.", id);
        var theirs = await other.SendAsync(General, "Theirs.", id);

        Assert.NotEqual(mine.Id, theirs.Id);
        Assert.Equal(mine.Sequence + 1, theirs.Sequence);
    }

    /// <summary>The room advanced by exactly one message, and that message carries the id.</summary>
    private static async Task AssertStoredOnceAsync(HttpClient api, string room, Guid clientMessageId, long sequenceBefore)
    {
        Assert.Equal(sequenceBefore + 1, await api.GetLastSequenceAsync(room));
        var page = await api.GetHistoryAsync(room, limit: 100);
        var stored = Assert.Single(page.Messages, m => m.ClientMessageId == clientMessageId);
        Assert.Equal(sequenceBefore + 1, stored.Sequence);
        Assert.Equal(sequenceBefore + 1, page.Messages[^1].Sequence);
    }
}
