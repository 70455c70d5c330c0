using System.Net;
using System.Net.Http.Json;
using SupportCommunity.Conversations;
using SupportCommunity.Notifications;
using SupportCommunity.Rooms;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Conversations;

/// <summary>
/// Every REST path to a private conversation or its staff notes, probed by people who may not read them: 404 with
/// the same problem details as an unknown room, nothing stored; and the lists (conversations, rooms, the bell) never
/// name another customer's conversation or show its text.
/// </summary>
[Collection(PrivateConversationGroup.Name)]
public sealed class RestLeakTests(PrivateConversationScenario scenario)
{
    public static readonly string[] Endpoints =
    [
        "GET messages", "GET messages before 3", "GET search", "GET thread", "POST messages", "POST messages reply",
        "POST read", "GET conversation", "POST summary", "PUT summary-opt-out", "POST reply-privately",
    ];

    public static TheoryData<string, string, string> Probes()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (caller, room) in HubLeakTests.Outsiders)
        {
            foreach (var endpoint in Endpoints)
            {
                data.Add(caller, room, endpoint);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Probes))]
    public async Task Endpoint_OnPrivateRoomCallerMayNotRead_Is404LikeUnknownRoomAndStoresNothing(string caller, string room, string endpoint)
    {
        using var api = await scenario.App.CreateApiClientAsync(caller);
        var slug = scenario.Slug(room);
        var madeUp = PrivateConversationScenario.MadeUp(room);
        var before = await scenario.SnapshotAsync();

        using var refused = await CallAsync(api, endpoint, slug);
        var refusedText = await refused.Content.ReadAsStringAsync();
        var refusal = await refused.ReadProblemAsync(HttpStatusCode.NotFound);
        using var unknownResponse = await CallAsync(api, endpoint, madeUp);
        var unknown = await unknownResponse.ReadProblemAsync(HttpStatusCode.NotFound);

        Assert.Equal($"There is no room '{slug}'.", refusal.Detail);
        Assert.Equal(unknown.Detail?.Replace(madeUp, "{slug}", StringComparison.Ordinal), refusal.Detail!.Replace(slug, "{slug}", StringComparison.Ordinal));
        Assert.Equal(unknown.Title, refusal.Title);
        Assert.Equal(unknown.Type, refusal.Type);
        Assert.DoesNotContain(scenario.SecretPrefix, refusedText, StringComparison.Ordinal);
        Assert.Equal(before, await scenario.SnapshotAsync());
    }

    [Theory]
    [InlineData(Customer2)]
    [InlineData(Member)]
    public async Task ListConversations_AsAnotherCustomer_ListsNoneOfTheirs(string caller)
    {
        using var api = await scenario.App.CreateApiClientAsync(caller);
        await using var hub = await scenario.App.ConnectClientAsync(caller);

        var overRest = await api.GetFromJsonAsync<List<ConversationDto>>(new Uri("/api/conversations", UriKind.Relative));
        var overHub = await hub.ListConversationsAsync();

        Assert.NotNull(overRest);
        Assert.Empty(overRest);
        Assert.Empty(overHub);
    }

    [Fact]
    public async Task ListConversations_AsVolunteerModerator_ListsOnlyThoseFromTheRoomsTheyModerate()
    {
        using var api = await scenario.App.CreateApiClientAsync(Moderator);
        await using var hub = await scenario.App.ConnectClientAsync(Moderator);

        var overRest = await api.GetFromJsonAsync<List<ConversationDto>>(new Uri("/api/conversations", UriKind.Relative));
        var overHub = await hub.ListConversationsAsync();

        Assert.NotNull(overRest);
        var listed = Assert.Single(overRest);
        Assert.Equal(scenario.B.Slug, listed.Slug);
        Assert.Equal(scenario.BNotes, listed.NotesSlug);
        Assert.Equal([scenario.B.Slug], overHub.Select(c => c.Slug));
    }

    [Fact]
    public async Task ListConversations_AsTheCustomer_ListsTheirsWithoutNotes()
    {
        using var api = await scenario.App.CreateApiClientAsync(Customer);
        var text = await api.GetStringAsync(new Uri("/api/conversations", UriKind.Relative));
        await using var hub = await scenario.App.ConnectClientAsync(Customer);
        var overHub = await hub.ListConversationsAsync();

        Assert.Equal(new[] { scenario.A.Slug, scenario.B.Slug }.Order(), overHub.Select(c => c.Slug).Order());
        Assert.All(overHub, c => Assert.Null(c.NotesSlug));
        Assert.DoesNotContain("-notes", text, StringComparison.Ordinal);
        Assert.DoesNotContain(scenario.SecretPrefix, text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Manager)]
    [InlineData(Agent)]
    [InlineData(Admin)]
    public async Task ListConversations_AsStaff_ListsEveryConversationWithItsNotes(string caller)
    {
        await using var hub = await scenario.App.ConnectClientAsync(caller);

        var listed = await hub.ListConversationsAsync();

        Assert.Contains(listed, c => c.Slug == scenario.A.Slug && c.NotesSlug == scenario.ANotes);
        Assert.Contains(listed, c => c.Slug == scenario.B.Slug && c.NotesSlug == scenario.BNotes);
    }

    [Theory]
    [InlineData(Customer)]
    [InlineData(Customer2)]
    [InlineData(Moderator)]
    [InlineData(Manager)]
    public async Task GetRooms_ForAnyone_ListsPublicRoomsOnly(string caller)
    {
        using var api = await scenario.App.CreateApiClientAsync(caller);

        var rooms = await api.GetRoomsAsync();

        Assert.Equal([General, Billing, Feedback], rooms.Select(r => r.Slug));
    }

    [Theory]
    [InlineData(Customer2)]
    [InlineData(Moderator)]
    [InlineData(Member)]
    public async Task Notifications_OfOutsidersMentionedInPrivateRooms_HoldNothingFromThem(string caller)
    {
        // Casey Brooks (customer2) is @mentioned in A's and B's messages and notes, Theo Ruiz (the moderator) in A's.
        var barred = HubLeakTests.Outsiders.Where(o => o.Caller == caller).Select(o => scenario.Slug(o.Room)).ToHashSet(StringComparer.Ordinal);
        using var api = await scenario.App.CreateApiClientAsync(caller);
        await using var hub = await scenario.App.ConnectClientAsync(caller);

        var text = await api.GetStringAsync(new Uri("/api/notifications", UriKind.Relative));
        var page = await hub.GetNotificationsAsync();

        Assert.DoesNotContain(scenario.SecretPrefix, text, StringComparison.Ordinal);
        Assert.DoesNotContain(page.Items, n => n.Excerpt.Contains(scenario.SecretPrefix, StringComparison.Ordinal));
        Assert.DoesNotContain(page.Items, n => barred.Contains(n.RoomSlug));
    }

    [Fact]
    public async Task Notifications_OfTheCustomerMentionedInNotes_HoldTheConversationButNoNote()
    {
        await using var customer = await scenario.App.ConnectClientAsync(Customer);

        var page = await customer.GetNotificationsAsync();

        // Positive control: the manager's private reply in A reached the customer's bell...
        Assert.Contains(page.Items, n => n.RoomSlug == scenario.A.Slug && n.Kind == NotificationKind.PrivateReply);
        // ...but the notes that @mention the customer never did.
        Assert.DoesNotContain(page.Items, n => n.RoomSlug.EndsWith("-notes", StringComparison.Ordinal));
        Assert.All(scenario.NoteSecrets, secret => Assert.DoesNotContain(page.Items, n => n.Excerpt.Contains(secret, StringComparison.Ordinal)));
    }

    private Task<HttpResponseMessage> CallAsync(HttpClient api, string endpoint, string slug)
    {
        var room = "/api/rooms/" + Uri.EscapeDataString(slug);
        var conversation = "/api/conversations/" + Uri.EscapeDataString(slug);
        return endpoint switch
        {
            "GET messages" => api.GetAsync(Relative(room + "/messages")),
            "GET messages before 3" => api.GetAsync(Relative(room + "/messages?before=3&limit=1")),
            "GET search" => api.GetAsync(Relative(room + "/messages/search?q=" + scenario.SecretPrefix)),
            "GET thread" => api.GetAsync(Relative(room + "/messages/1/thread")),
            "POST messages" => api.PostMessageAsync(slug, "Let me in, please."),
            "POST messages reply" => api.PostMessageAsync(slug, "Replying in your thread.", replyToSequence: 1),
            "POST read" => api.PostAsJsonAsync(Relative(room + "/read"), new { sequence = 1000 }),
            "GET conversation" => api.GetAsync(Relative(conversation)),
            "POST summary" => api.PostAsJsonAsync(Relative(conversation + "/summary"), new { clientMessageId = Guid.NewGuid(), body = "All sorted." }),
            "PUT summary-opt-out" => api.PutAsJsonAsync(Relative(conversation + "/summary-opt-out"), new { optOut = true }),
            "POST reply-privately" => api.PostAsync(Relative(room + "/messages/1/reply-privately"), null),
            _ => throw new ArgumentOutOfRangeException(nameof(endpoint), endpoint, null),
        };
    }

    private static Uri Relative(string path) => new(path, UriKind.Relative);
}
