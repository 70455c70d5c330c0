using System.Globalization;
using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Identity;
using SupportCommunity.Notifications;
using SupportCommunity.Rooms;
using SupportCommunity.Web.Notifications;

namespace SupportCommunity.Web.Tests.Components;

/// <summary>
/// The bell against the real notification service and in-process bus over SQLite. Every test has its own people
/// (unique names, so mentions find only them) and its own room.
/// </summary>
public sealed class NotificationBellTests : MudTestContext, IClassFixture<ComponentDatabase>
{
    private readonly ComponentDatabase _db;
    private readonly string _tag = Guid.NewGuid().ToString("N")[..6];

    public NotificationBellTests(ComponentDatabase db)
    {
        _db = db;
        db.AddTo(Services);
    }

    private string Room => "room-" + _tag;

    private async Task<(Actor Maya, Actor Jordan)> PeopleAsync()
    {
        await _db.AddRoomAsync(Room, "General " + _tag);
        var maya = await _db.AddUserAsync($"Maya {_tag}", CommunityRoles.CommunityManager);
        var jordan = await _db.AddUserAsync($"Jordan {_tag}", CommunityRoles.Customer);
        return (maya, jordan);
    }

    private IRenderedComponent<NotificationBell> RenderBellFor(Actor actor)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized(actor.DisplayName);
        // Roles as role claims beside the others: Actor.From reads them all from the principal, as in the app.
        auth.SetClaims([
            new Claim(ClaimTypes.NameIdentifier, actor.UserId),
            new Claim(Actor.DisplayNameClaim, actor.DisplayName),
            .. actor.Roles.Select(role => new Claim(ClaimTypes.Role, role)),
        ]);
        return Render<NotificationBell>();
    }

    private static Task AssertUnreadAsync(IRenderedComponent<NotificationBell> bell, int expected) =>
        bell.WaitForAssertionAsync(() => Assert.Equal(expected.ToString(CultureInfo.InvariantCulture), bell.Find("[data-testid=bell]").GetAttribute("data-unread")));

    [Fact]
    public async Task Bell_WithUnreadMentions_ShowsTheCountOnTheBadge()
    {
        var (maya, jordan) = await PeopleAsync();
        await _db.PostAsync(jordan, Room, $"@Maya {_tag} can you help?");
        await _db.PostAsync(jordan, Room, $"@maya {_tag} still stuck, sorry");

        var bell = RenderBellFor(maya);

        await AssertUnreadAsync(bell, 2);
        Assert.Equal("2", bell.Find(".bell-count").TextContent.Trim());
        Assert.Equal("Notifications, 2 unread", bell.Find("[data-testid=bell-button]").GetAttribute("aria-label"));
    }

    [Fact]
    public async Task Bell_NotificationAddedOnTheBus_CountAndListGrowLive()
    {
        var (maya, jordan) = await PeopleAsync();
        var bell = RenderBellFor(maya);
        await AssertUnreadAsync(bell, 0);
        Assert.Empty(bell.FindAll(".bell-count"));

        await bell.Find("[data-testid=bell-button]").ClickAsync(new MouseEventArgs());
        await bell.WaitForAssertionAsync(() => Assert.NotNull(bell.Find("[data-testid=bell-empty]")));
        Assert.Contains("You're all caught up", bell.Find("[data-testid=bell-empty]").TextContent, StringComparison.Ordinal);

        // The dispatcher's work: a stored notification, published on the user's channel of the in-process bus.
        await _db.PostAsync(jordan, Room, $"Hey @Maya {_tag}, my sync is paused again");

        await AssertUnreadAsync(bell, 1);
        await bell.WaitForAssertionAsync(() => Assert.Single(bell.FindAll("[data-testid=bell-item]")));
        var item = bell.Find("[data-testid=bell-item]");
        Assert.Equal("false", item.GetAttribute("data-read"));
        Assert.Equal($"Jordan {_tag} mentioned you in #General {_tag}", item.QuerySelector(".bell-headline")!.TextContent);
        Assert.Contains("my sync is paused again", item.QuerySelector(".bell-excerpt")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("just now", item.QuerySelector(".bell-time")!.TextContent);
        Assert.NotNull(item.QuerySelector(".bell-dot"));
    }

    [Fact]
    public async Task MarkAllRead_ClearsTheCountTheDotsAndTheStoredState()
    {
        var (maya, jordan) = await PeopleAsync();
        await _db.PostAsync(jordan, Room, $"@Maya {_tag} first");
        await _db.PostAsync(jordan, Room, $"@Maya {_tag} second");
        var bell = RenderBellFor(maya);
        await AssertUnreadAsync(bell, 2);

        await bell.Find("[data-testid=bell-button]").ClickAsync(new MouseEventArgs());
        await bell.WaitForAssertionAsync(() => Assert.Equal(2, bell.FindAll("[data-testid=bell-item][data-read=false]").Count));
        await bell.Find("[data-testid=bell-mark-all]").ClickAsync(new MouseEventArgs());

        await AssertUnreadAsync(bell, 0);
        await bell.WaitForAssertionAsync(() => Assert.Equal(2, bell.FindAll("[data-testid=bell-item][data-read=true]").Count));
        Assert.Empty(bell.FindAll(".bell-dot"));
        Assert.Empty(bell.FindAll(".bell-count"));
        Assert.True(bell.Find("[data-testid=bell-mark-all]").HasAttribute("disabled"));
        var stored = await _db.Get<NotificationService>().ListAsync(maya, beforeId: null);
        Assert.Equal(0, stored.Unread);
    }

    [Fact]
    public async Task EntryClicked_MarksItReadAndOpensTheRoom()
    {
        var (maya, jordan) = await PeopleAsync();
        await _db.PostAsync(jordan, Room, $"@Maya {_tag} over here");
        await _db.PostAsync(jordan, Room, $"@Maya {_tag} and here");
        var bell = RenderBellFor(maya);
        await bell.Find("[data-testid=bell-button]").ClickAsync(new MouseEventArgs());
        await bell.WaitForAssertionAsync(() => Assert.Equal(2, bell.FindAll("[data-testid=bell-item]").Count));

        await bell.FindAll("[data-testid=bell-item]")[1].ClickAsync(new MouseEventArgs());

        await AssertUnreadAsync(bell, 1);
        Assert.EndsWith($"/rooms/{Room}", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
        Assert.Empty(bell.FindAll("[data-testid=bell-panel]"));
    }

    [Fact]
    public async Task ReadInAnotherTab_CountFollows()
    {
        var (maya, jordan) = await PeopleAsync();
        var first = await _db.PostAsync(jordan, Room, $"@Maya {_tag} one");
        await _db.PostAsync(jordan, Room, $"@Maya {_tag} two");
        await _db.PostAsync(jordan, Room, $"@Maya {_tag} three");
        var bell = RenderBellFor(maya);
        await AssertUnreadAsync(bell, 3);

        // Another tab reads the room up to the first message: one entry is read there.
        await _db.Get<RoomService>().MarkReadAsync(maya, Room, first.Sequence);
        await AssertUnreadAsync(bell, 2);

        // Another tab marks everything read.
        await _db.Get<NotificationService>().MarkReadAsync(maya, id: null);
        await AssertUnreadAsync(bell, 0);
    }

    [Fact]
    public async Task LoadOlder_PagesByIdWithoutDuplicates()
    {
        var (maya, _) = await PeopleAsync();
        var helper = await _db.AddUserAsync($"Sam {_tag}", CommunityRoles.SupportAgent);
        for (var i = 0; i < NotificationService.PageSize + 2; i++)
        {
            // Staff are not flood limited, so the notifications come from a colleague.
            await _db.PostAsync(helper, Room, $"@Maya {_tag} ping {i}");
        }

        var bell = RenderBellFor(maya);
        await bell.Find("[data-testid=bell-button]").ClickAsync(new MouseEventArgs());
        await bell.WaitForAssertionAsync(() => Assert.Equal(NotificationService.PageSize, bell.FindAll("[data-testid=bell-item]").Count));

        await bell.Find("[data-testid=bell-load-more]").ClickAsync(new MouseEventArgs());

        await bell.WaitForAssertionAsync(() => Assert.Equal(NotificationService.PageSize + 2, bell.FindAll("[data-testid=bell-item]").Count));
        Assert.Empty(bell.FindAll("[data-testid=bell-load-more]"));
        var ids = bell.FindAll("[data-testid=bell-item]").Select(i => long.Parse(i.GetAttribute("data-id")!, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(ids.OrderDescending(), ids);
        Assert.Contains("ping 0", bell.FindAll(".bell-excerpt")[^1].TextContent, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("general", "rooms/general")]
    [InlineData("release-notes", "rooms/release-notes")]
    [InlineData("private-0a1b2c3d4e5f", "conversations/private-0a1b2c3d4e5f")]
    [InlineData("private-0a1b2c3d4e5f-notes", "conversations/private-0a1b2c3d4e5f")]
    [InlineData("ticket:123", "tickets/123")]
    public void PageOf_RoomOrConversation_LeadsToItsPage(string slug, string expected) =>
        Assert.Equal(expected, NotificationLinks.PageOf(slug));
}
