using System.Globalization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using SupportCommunity.Messages;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Conversations;

[CollectionDefinition(Name)]
public sealed class PrivateConversationGroup : ICollectionFixture<PrivateConversationScenario>
{
    public const string Name = "Private conversations (shared scenario)";
}

/// <summary>
/// Every hub path to a private conversation or its staff notes, probed by people who may not read them: another
/// customer, a volunteer moderator of an unrelated room, the conversation's own customer (notes only), and a trusted
/// member. Each is refused exactly like a room that does not exist (no existence leak), and stores nothing.
/// </summary>
[Collection(PrivateConversationGroup.Name)]
public sealed class HubLeakTests(PrivateConversationScenario scenario)
{
    /// <summary>Who probes which room. Rooms: A (from #billing) and B (from #general, the moderator's room), and their notes.</summary>
    public static readonly (string Caller, string Room)[] Outsiders =
    [
        (Customer2, "A"), (Customer2, "A-notes"), (Customer2, "B"), (Customer2, "B-notes"),
        (Moderator, "A"), (Moderator, "A-notes"),
        (Customer, "A-notes"), (Customer, "B-notes"),
        (Member, "A"), (Member, "A-notes"),
    ];

    public static readonly string[] RoomMethods =
    [
        "JoinRoom", "JoinRoom after 1", "GetHistory", "GetHistory before 3", "GetThread", "SearchMessages", "SendMessage",
        "SendReply", "MarkRead", "GetConversation", "PostPublicSummary", "SetSummaryOptOut", "ReplyPrivately",
    ];

    /// <summary>Messages by id, and who must not reach them.</summary>
    public static readonly (string Caller, string Message)[] MessageOutsiders =
    [
        (Customer2, "A-staff"), (Customer2, "A-customer"), (Customer2, "A-thread-reply"), (Customer2, "A-note"),
        (Customer2, "A-note-reply"), (Customer2, "B-staff"), (Customer2, "B-note"),
        (Moderator, "A-staff"), (Moderator, "A-customer"), (Moderator, "A-note"),
        (Customer, "A-note"), (Customer, "A-note-reply"), (Customer, "B-note"),
        (Member, "A-customer"), (Member, "A-note"),
    ];

    public static TheoryData<string, string, string> RoomProbes()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (caller, room) in Outsiders)
        {
            foreach (var method in RoomMethods)
            {
                data.Add(caller, room, method);
            }
        }

        return data;
    }

    public static TheoryData<string, string, string> MessageProbes()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (caller, message) in MessageOutsiders)
        {
            data.Add(caller, message, "EditMessage");
            data.Add(caller, message, "DeleteMessage");
            data.Add(caller, message, "ToggleReaction");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RoomProbes))]
    public async Task HubMethod_OnPrivateRoomCallerMayNotRead_IsRefusedLikeUnknownRoomAndStoresNothing(string caller, string room, string method)
    {
        await using var client = await scenario.App.ConnectClientAsync(caller);
        var slug = scenario.Slug(room);
        var madeUp = PrivateConversationScenario.MadeUp(room);
        var before = await scenario.SnapshotAsync();

        var refusal = await Assert.ThrowsAsync<HubException>(() => CallAsync(client, method, slug));
        var unknown = await Assert.ThrowsAsync<HubException>(() => CallAsync(client, method, madeUp));

        Assert.EndsWith($"HubException: There is no room '{slug}'.", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(unknown.Message.Replace(madeUp, "{slug}", StringComparison.Ordinal), refusal.Message.Replace(slug, "{slug}", StringComparison.Ordinal));
        Assert.Equal(before, await scenario.SnapshotAsync());
    }

    [Theory]
    [MemberData(nameof(MessageProbes))]
    public async Task EditDeleteOrReact_PrivateMessageByIdCallerMayNotRead_IsRefusedLikeUnknownMessageAndChangesNothing(string caller, string message, string method)
    {
        await using var client = await scenario.App.ConnectClientAsync(caller);
        var target = scenario.Message(message);
        const long unknownId = long.MaxValue - 7;
        var before = await scenario.SnapshotAsync();

        var refusal = await Assert.ThrowsAsync<HubException>(() => EditOrDeleteAsync(client, method, target.Id));
        var unknown = await Assert.ThrowsAsync<HubException>(() => EditOrDeleteAsync(client, method, unknownId));

        var id = target.Id.ToString(CultureInfo.InvariantCulture);
        Assert.EndsWith($"HubException: There is no message {id}.", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(
            unknown.Message.Replace(unknownId.ToString(CultureInfo.InvariantCulture), "{id}", StringComparison.Ordinal),
            refusal.Message.Replace(id, "{id}", StringComparison.Ordinal));
        Assert.Equal(before, await scenario.SnapshotAsync());
        var stored = await scenario.MessageRowAsync(target.Id);
        Assert.Null(stored.DeletedAt);
        Assert.Equal(target.Body, stored.Body);
        Assert.Equal("", stored.Reactions);
    }

    [Theory]
    [InlineData(Customer2, "A")]
    [InlineData(Customer2, "A-notes")]
    [InlineData(Moderator, "A-notes")]
    [InlineData(Customer, "A-notes")]
    public async Task Typing_AfterRefusedJoin_IsRefusedLikeForUnknownRoom(string caller, string room)
    {
        await using var client = await scenario.App.ConnectClientAsync(caller);
        var slug = scenario.Slug(room);
        var madeUp = PrivateConversationScenario.MadeUp(room);
        await Assert.ThrowsAsync<HubException>(() => client.JoinRoomAsync(slug));
        await Assert.ThrowsAsync<HubException>(() => client.JoinRoomAsync(madeUp));

        var refusal = await Assert.ThrowsAsync<HubException>(() => client.TypingAsync(slug));
        var unknown = await Assert.ThrowsAsync<HubException>(() => client.TypingAsync(madeUp));

        Assert.Equal(unknown.Message, refusal.Message);
        Assert.Contains("Join the room", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplyPrivately_OnPrivateMessageAsStaff_IsRefused()
    {
        // Private conversations start from public questions only: not from a message inside another conversation.
        await using var manager = await scenario.App.ConnectClientAsync(Manager);

        await HubAssert.RefusedAsync(
            () => manager.ReplyPrivatelyAsync(scenario.A.Slug, scenario.ACustomerMessage.Sequence), "Private replies start from a message in a public room.");
    }

    private Task CallAsync(CommunityClient client, string method, string slug) => method switch
    {
        "JoinRoom" => client.JoinRoomAsync(slug),
        "JoinRoom after 1" => client.JoinRoomAsync(slug, afterSequence: 1),
        "GetHistory" => client.GetHistoryAsync(slug, limit: 100),
        "GetHistory before 3" => client.GetHistoryAsync(slug, beforeSequence: 3, limit: 1),
        "GetThread" => client.GetThreadAsync(slug, 1),
        "SearchMessages" => client.SearchAsync(slug, scenario.SecretPrefix),
        "SendMessage" => client.SendAsync(slug, "Let me in, please."),
        "SendReply" => client.SendReplyAsync(slug, "Replying in your thread.", 1),
        "MarkRead" => client.MarkReadAsync(slug, 1000),
        "GetConversation" => client.GetConversationAsync(slug),
        "PostPublicSummary" => client.PostPublicSummaryAsync(slug, "Summary: all sorted."),
        "SetSummaryOptOut" => client.SetSummaryOptOutAsync(slug, true),
        "ReplyPrivately" => client.ReplyPrivatelyAsync(slug, 1),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
    };

    private static Task<MessageDto> EditOrDeleteAsync(CommunityClient client, string method, long messageId) => method switch
    {
        "EditMessage" => client.EditAsync(messageId, "Rewritten by someone else"),
        "DeleteMessage" => client.DeleteAsync(messageId),
        "ToggleReaction" => client.Session.Connection.InvokeAsync<MessageDto>("ToggleReaction", messageId, "👍").WaitAsync(CommunityAppFactory.Timeout),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
    };
}
