using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SupportCommunity.Messages;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Api;

public sealed class RestContractTests(CommunityAppFactory app) : IClassFixture<CommunityAppFactory>
{
    [Fact]
    public async Task GetRooms_SignedIn_ReturnsTheDemoRoomsWithSlugNameAndTopic()
    {
        using var api = await app.CreateApiClientAsync(Customer);

        using var response = await api.GetAsync(new Uri("/api/rooms", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var rooms = json.RootElement.EnumerateArray().ToList();
        Assert.Equal([General, Billing, Feedback], rooms.Select(r => r.GetProperty("slug").GetString()));
        Assert.Equal(["General", "Billing", "Feedback"], rooms.Select(r => r.GetProperty("name").GetString()));
        Assert.All(rooms, r => Assert.False(string.IsNullOrWhiteSpace(r.GetProperty("topic").GetString())));
        Assert.All(rooms, r => Assert.True(r.GetProperty("lastSequence").GetInt64() > 0));
    }

    [Fact]
    public async Task GetHistory_PagedByBefore_ReturnsNewestLastWithoutOverlapOrGap()
    {
        using var api = await app.CreateApiClientAsync(Customer);
        var last = await api.GetLastSequenceAsync(General);

        var pages = new List<HistoryPage> { await api.GetHistoryAsync(General, limit: 2) };
        while (pages[^1].HasMore)
        {
            pages.Add(await api.GetHistoryAsync(General, before: pages[^1].Messages[0].Sequence, limit: 2));
        }

        var newest = pages[0];
        Assert.True(newest.HasMore);
        Assert.Equal([last - 1, last], newest.Messages.Select(m => m.Sequence));
        Assert.All(pages, p => Assert.Equal(p.Messages.OrderBy(m => m.Sequence).Select(m => m.Id), p.Messages.Select(m => m.Id)));
        Assert.All(pages.SkipLast(1), p => Assert.True(p.HasMore));
        Assert.False(pages[^1].HasMore);
        // Walking back page by page yields every message exactly once: 1, 2, ..., last.
        var all = pages.AsEnumerable().Reverse().SelectMany(p => p.Messages).Select(m => m.Sequence);
        Assert.Equal(Enumerable.Range(1, (int)last).Select(i => (long)i), all);
    }

    [Fact]
    public async Task GetHistory_WithoutLimit_ReturnsTheLatestMessagesNewestLast()
    {
        using var api = await app.CreateApiClientAsync(Customer);
        var last = await api.GetLastSequenceAsync(Billing);

        var page = await api.GetHistoryAsync(Billing);

        Assert.Equal(last, page.Messages[^1].Sequence);
        Assert.False(page.HasMore);
        Assert.Equal("I was charged twice for my annual plan this month. Who can help?", page.Messages[0].Body);
    }

    [Fact]
    public async Task PostMessage_Valid_Returns201WithTheMessageAndALocationThatFindsIt()
    {
        using var api = await app.CreateApiClientAsync(Customer2);
        var before = await api.GetLastSequenceAsync(Feedback);
        var id = Guid.NewGuid();

        using var response = await api.PostMessageAsync(Feedback, "Please add **keyboard shortcuts**.", id);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var message = await response.Content.ReadFromJsonAsync<MessageDto>();
        Assert.NotNull(message);
        Assert.Equal(Feedback, message.RoomSlug);
        Assert.Equal(before + 1, message.Sequence);
        Assert.Equal(id, message.ClientMessageId);
        Assert.Equal("Please add **keyboard shortcuts**.", message.Body);
        Assert.Equal("Casey Brooks", message.AuthorName);
        Assert.Equal("Customer", message.AuthorRole);
        Assert.False(message.Deleted);
        Assert.Null(message.EditedAt);

        var location = response.Headers.Location;
        Assert.NotNull(location);
        var atLocation = await api.GetFromJsonAsync<HistoryPage>(location);
        Assert.Equal(message, Assert.Single(atLocation!.Messages));
    }
}
