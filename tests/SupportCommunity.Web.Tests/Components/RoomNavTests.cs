using System.Security.Claims;
using Bunit;
using SupportCommunity.Conversations;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Rooms;
using SupportCommunity.Web.Components.Layout;

namespace SupportCommunity.Web.Tests.Components;

/// <summary>The left nav's live badges against the real services and bus over SQLite.</summary>
public sealed class RoomNavTests : MudTestContext, IClassFixture<ComponentDatabase>
{
    private readonly ComponentDatabase _db;
    private readonly string _tag = Guid.NewGuid().ToString("N")[..6];

    public RoomNavTests(ComponentDatabase db)
    {
        _db = db;
        db.AddTo(Services);
    }

    private IRenderedComponent<RoomNav> RenderNavFor(Actor actor)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized(actor.DisplayName);
        auth.SetClaims([
            new Claim(ClaimTypes.NameIdentifier, actor.UserId),
            new Claim(Actor.DisplayNameClaim, actor.DisplayName),
            .. actor.Roles.Select(role => new Claim(ClaimTypes.Role, role)),
        ]);
        return Render<RoomNav>();
    }

    [Fact]
    public async Task RoomReadInAnotherTab_ItsBadgeClears()
    {
        var room = "nav-" + _tag;
        await _db.AddRoomAsync(room, "Nav " + _tag);
        var reader = await _db.AddUserAsync("Reader " + _tag, CommunityRoles.Customer);
        var writer = await _db.AddUserAsync("Writer " + _tag, CommunityRoles.SupportAgent);
        var messages = _db.Get<MessageService>();
        await messages.SendAsync(writer, room, Guid.NewGuid(), "one");
        var last = await messages.SendAsync(writer, room, Guid.NewGuid(), "two");

        var nav = RenderNavFor(reader);
        await nav.WaitForAssertionAsync(() => Assert.Equal("2", nav.Find($"[data-testid=unread-{room}]").TextContent));

        await messages.SendAsync(writer, room, Guid.NewGuid(), "three");
        await nav.WaitForAssertionAsync(() => Assert.Equal("3", nav.Find($"[data-testid=unread-{room}]").TextContent));

        // Another tab read up to "two": one left; then all.
        await _db.Get<RoomService>().MarkReadAsync(reader, room, last.Sequence);
        await nav.WaitForAssertionAsync(() => Assert.Equal("1", nav.Find($"[data-testid=unread-{room}]").TextContent));
        await _db.Get<RoomService>().MarkReadAsync(reader, room, last.Sequence + 1);
        await nav.WaitForAssertionAsync(() => Assert.Empty(nav.FindAll($"[data-testid=unread-{room}]")));
    }

    [Fact]
    public async Task PrivateReply_ConversationAppearsUnderMyConversationsWithALiveCount()
    {
        var room = "help-" + _tag;
        await _db.AddRoomAsync(room, "Help " + _tag);
        var customer = await _db.AddUserAsync("Customer " + _tag, CommunityRoles.Customer);
        var manager = await _db.AddUserAsync("Manager " + _tag, CommunityRoles.CommunityManager);
        var question = await _db.PostAsync(customer, room, "My invoice has the wrong address.");

        var nav = RenderNavFor(customer);
        await nav.WaitForAssertionAsync(() => Assert.NotNull(nav.Find("[data-testid=nav-conversations-empty]")));
        Assert.Contains("My conversations", nav.Markup, StringComparison.Ordinal);

        var conversation = await _db.Get<ConversationService>().OpenAsync(manager, room, question.Sequence);
        await _db.PostAsync(manager, conversation.Slug, "Hi! I'll fix the address for you.");

        // The private reply's notification brings the new conversation into the list, with its message unread.
        await nav.WaitForAssertionAsync(() => Assert.Equal("1", nav.Find($"[data-testid=unread-{conversation.Slug}]").TextContent));
        Assert.Contains($"#Help {_tag}: My invoice has the wrong address.", nav.Find($"[data-testid=conversation-link-{conversation.Slug}]").TextContent, StringComparison.Ordinal);

        await _db.PostAsync(manager, conversation.Slug, "Done.");
        await nav.WaitForAssertionAsync(() => Assert.Equal("2", nav.Find($"[data-testid=unread-{conversation.Slug}]").TextContent));
    }
}
