using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Data;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;
using SupportCommunity.Web.Messages;
using SupportCommunity.Web.Tests.Integration.Conversations;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Reactions;

public sealed class ReactionTests(CommunityAppFactory app) : IClassFixture<CommunityAppFactory>
{
    [Fact]
    public async Task ToggleReaction_OverTheHub_ReachesTheOtherClientLive_AndCatchUpBringsItAfterReconnect()
    {
        await using var author = await app.ConnectAsync(Customer2);
        await using var reader = await app.ConnectAsync(Member);
        await author.JoinRoomAsync(General);
        await reader.JoinRoomAsync(General);
        var sent = await author.SendAsync(General, "Does the export include archived projects?");
        var lastSeen = (await reader.Events.MessageReceived.NextMatchingAsync(m => m.Id == sent.Id)).Sequence;

        var reacted = await ToggleAsync(reader, sent.Id, "👍");
        var atAuthor = await author.Events.MessageUpdated.NextMatchingAsync(m => m.Id == sent.Id);

        Assert.Equal(reacted, atAuthor);
        var thumbs = Assert.Single(atAuthor.Reactions);
        Assert.Equal(1, thumbs.Count);
        Assert.Equal([await UserIdAsync(Member)], thumbs.UserIds);

        // The author is away while a second reaction comes in; rejoining after the last message seen brings it.
        await author.StopAsync();
        var second = await ToggleAsync(reader, sent.Id, "🙏");
        await using var again = await app.ConnectAsync(Customer2);
        var rejoin = await again.JoinRoomAsync(General, lastSeen);

        Assert.False(rejoin.Reset);
        var caught = Assert.Single(rejoin.Messages, m => m.Id == sent.Id);
        Assert.Equal(second, caught);
        Assert.Equal(["👍", "🙏"], caught.Reactions.Select(r => r.Emoji));
    }

    [Fact]
    public async Task ToggleReaction_NotOnTheAllowlist_IsRefusedOverTheHub()
    {
        await using var client = await app.ConnectAsync(Member);
        var sent = await client.SendAsync(General, "Reacting to this one with something odd.");

        await HubAssert.RefusedAsync(() => ToggleAsync(client, sent.Id, "🤡"), "Reactions are one of");
    }

    [Fact]
    public async Task PostReaction_OverRest_TogglesAndSetsIdempotently()
    {
        using var api = await app.CreateApiClientAsync(Agent);
        var sent = await api.SendAsync(General, "Is there a dark mode?");

        var on = await PostOkAsync(api, sent.Id, new ReactionRequest("🎉", On: true));
        var retried = await PostOkAsync(api, sent.Id, new ReactionRequest("🎉", On: true));
        var off = await PostOkAsync(api, sent.Id, new ReactionRequest("🎉"));

        Assert.Equal(1, Assert.Single(on.Reactions).Count);
        Assert.Equal(on, retried);
        Assert.Empty(off.Reactions);
        Assert.Equal(off, await api.FindInHistoryAsync(General, sent.Id));
    }

    [Fact]
    public async Task PostReaction_Refusals_AreProblemDetailsAndStoreNothing()
    {
        using var api = await app.CreateApiClientAsync(Member);
        var sent = await api.SendAsync(General, "Please react only with allowed emoji.");
        var deleted = await api.SendAsync(General, "This one goes away.");
        await using (var hub = await app.ConnectAsync(Member))
        {
            deleted = await hub.DeleteAsync(deleted.Id);
        }

        await AssertProblemAsync(api, sent.Id, new { emoji = "🤡" }, HttpStatusCode.BadRequest);
        await AssertProblemAsync(api, sent.Id, new { emoji = (string?)null }, HttpStatusCode.BadRequest);
        await AssertProblemAsync(api, sent.Id, new { emoji = string.Concat(Enumerable.Repeat("👍", 200)) }, HttpStatusCode.BadRequest);
        await AssertProblemAsync(api, deleted.Id, new { emoji = "👍" }, HttpStatusCode.Conflict);
        await AssertProblemAsync(api, 987_654_321, new { emoji = "👍" }, HttpStatusCode.NotFound);

        Assert.Equal(sent, await api.FindInHistoryAsync(General, sent.Id));
        Assert.Equal(deleted, await api.FindInHistoryAsync(General, deleted.Id));
        await using var scope = app.Services.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<CommunityDbContext>>().CreateDbContextAsync();
        Assert.False(await db.MessageReactions.AnyAsync(r => r.MessageId == sent.Id || r.MessageId == deleted.Id));
    }

    [Fact]
    public async Task PostReaction_TimedOutMember_Is403AndStoresNothing()
    {
        using var author = await app.CreateApiClientAsync(Customer2);
        using var api = await app.CreateApiClientAsync(Customer);
        var sent = await author.SendAsync(Billing, "Any news on the refund?");
        var customerId = await UserIdAsync(Customer);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var actors = scope.ServiceProvider.GetRequiredService<ActorDirectory>();
            var manager = await actors.GetAsync(await UserIdAsync(Manager), "Manager");
            await scope.ServiceProvider.GetRequiredService<SanctionService>()
                .TimeoutAsync(manager, customerId, TimeSpan.FromMinutes(10), "cool down", Billing);
        }

        await AssertProblemAsync(api, sent.Id, new { emoji = "👍" }, HttpStatusCode.Forbidden);

        Assert.Equal(sent, await author.FindInHistoryAsync(Billing, sent.Id));
    }

    private static Task<MessageDto> ToggleAsync(HubSession session, long messageId, string emoji) =>
        session.Connection.InvokeAsync<MessageDto>("ToggleReaction", messageId, emoji).WaitAsync(CommunityAppFactory.Timeout);

    private static async Task<MessageDto> PostOkAsync(HttpClient api, long messageId, ReactionRequest request)
    {
        using var response = await api.PostAsJsonAsync($"/api/messages/{messageId}/reactions", request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<MessageDto>() ?? throw new InvalidOperationException("Empty.");
    }

    private static async Task AssertProblemAsync(HttpClient api, long messageId, object body, HttpStatusCode expected)
    {
        using var response = await api.PostAsJsonAsync($"/api/messages/{messageId}/reactions", body);
        await response.ReadProblemAsync(expected);
    }

    private async Task<string> UserIdAsync(string email)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<CommunityDbContext>>().CreateDbContextAsync();
        return await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
    }
}

/// <summary>A message in someone else's private conversation looks exactly like a message that does not exist.</summary>
[Collection(PrivateConversationGroup.Name)]
public sealed class PrivateReactionTests(PrivateConversationScenario scenario)
{
    [Fact]
    public async Task PostReaction_OnMessageInPrivateRoomCallerMayNotRead_Is404LikeUnknownAndStoresNothing()
    {
        using var api = await scenario.App.CreateApiClientAsync(Customer2);
        var before = await scenario.SnapshotAsync();
        var secret = scenario.ACustomerMessage.Id;
        const long unknown = 987_654_321;

        using var refused = await api.PostAsJsonAsync($"/api/messages/{secret}/reactions", new ReactionRequest("👍"));
        var refusal = await refused.ReadProblemAsync(HttpStatusCode.NotFound);
        using var missing = await api.PostAsJsonAsync($"/api/messages/{unknown}/reactions", new ReactionRequest("👍"));
        var notFound = await missing.ReadProblemAsync(HttpStatusCode.NotFound);

        Assert.Equal(notFound.Detail!.Replace($"{unknown}", "{id}", StringComparison.Ordinal), refusal.Detail!.Replace($"{secret}", "{id}", StringComparison.Ordinal));
        Assert.Equal(notFound.Title, refusal.Title);
        Assert.Equal(before, await scenario.SnapshotAsync());
    }
}
