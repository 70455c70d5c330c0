using Bunit;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Web.Messages;

namespace SupportCommunity.Web.Tests.Components;

public sealed class MessageListTests : MudTestContext
{
    private static readonly Actor Customer = new("jordan", "Jordan Lee", new HashSet<string> { CommunityRoles.Customer });
    private static readonly Actor Manager = new("maya", "Maya Chen", new HashSet<string> { CommunityRoles.CommunityManager });

    private readonly RoomTimeline _timeline = new(new MessageFormatter());
    private long _sequence;

    private MessageDto Message(Actor author, string body, bool deleted = false, bool edited = false) => new(
        Id: ++_sequence,
        RoomSlug: "general",
        Sequence: _sequence,
        Revision: _sequence,
        ClientMessageId: Guid.NewGuid(),
        AuthorId: author.UserId,
        AuthorName: author.DisplayName,
        AuthorRole: author.PrimaryRole,
        Body: deleted ? null : body,
        ReplyToSequence: null,
        CreatedAt: DateTimeOffset.UtcNow.AddMinutes(-10 * (100 - _sequence)),
        EditedAt: edited ? DateTimeOffset.UtcNow : null,
        Deleted: deleted);

    private IRenderedComponent<MessageList> RenderList(
        Actor viewer,
        Func<long, string, Task<bool>>? onEdit = null,
        Func<long, Task>? onDelete = null) =>
        Render<MessageList>(p => p
            .Add(l => l.Messages, _timeline.Items)
            .Add(l => l.Viewer, viewer)
            .Add(l => l.RoomName, "General")
            .Add(l => l.OnEdit, onEdit)
            .Add(l => l.OnDelete, onDelete));

    [Fact]
    public void EmptyRoom_ShowsAnInvitingEmptyState()
    {
        var list = RenderList(Customer);
        Assert.Contains("No messages yet", list.Find("[data-testid=empty-room]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Messages_ShowAuthorsInOrderWithStaffBadges()
    {
        _timeline.Upsert(Message(Customer, "My sync is paused."));
        _timeline.Upsert(Message(Manager, "Try **Resume all**."));

        var list = RenderList(Customer);

        var messages = list.FindAll("[data-testid=message]");
        Assert.Equal(2, messages.Count);
        Assert.Equal("Jordan Lee", messages[0].QuerySelector("[data-testid=message-author]")!.TextContent);
        Assert.Null(messages[0].QuerySelector("[data-testid=role-badge]"));
        Assert.Equal("Community manager", messages[1].QuerySelector("[data-testid=role-badge]")!.TextContent);
        Assert.Contains("staff", messages[1].ClassList);
        Assert.Equal("Resume all", messages[1].QuerySelector("strong")!.TextContent);
    }

    [Fact]
    public void UserHtml_IsShownAsTextNotMarkup()
    {
        _timeline.Upsert(Message(Customer, "<img src=x onerror=alert(1)> <script>alert(2)</script>"));

        var list = RenderList(Customer);

        var body = list.Find("[data-testid=message-body]");
        Assert.Empty(body.QuerySelectorAll("img, script"));
        Assert.Contains("<script>alert(2)</script>", body.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void DeletedAndEditedMessages_AreMarked()
    {
        _timeline.Upsert(Message(Customer, "gone", deleted: true));
        _timeline.Upsert(Message(Manager, "fixed typo", edited: true));

        var list = RenderList(Customer);

        var bodies = list.FindAll("[data-testid=message-body]");
        Assert.Equal("This message was deleted.", bodies[0].TextContent);
        Assert.Contains("(edited)", list.FindAll("[data-testid=message]")[1].TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Actions_OfferedOnOwnMessagesOnlyToCustomers()
    {
        _timeline.Upsert(Message(Manager, "staff answer"));
        _timeline.Upsert(Message(Customer, "my question"));

        var list = RenderList(Customer);

        var messages = list.FindAll("[data-testid=message]");
        Assert.Empty(messages[0].QuerySelectorAll("[data-testid=delete-message]"));
        Assert.NotNull(messages[1].QuerySelector("[data-testid=delete-message]"));
    }

    [Fact]
    public void Actions_OfferedOnEveryMessageToTheCommunityManager()
    {
        _timeline.Upsert(Message(Customer, "a customer's message"));
        var list = RenderList(Manager);
        Assert.NotNull(list.Find("[data-testid=message]").QuerySelector("[data-testid=delete-message]"));
    }

    [Fact]
    public void Delete_AsksFirstThenDeletes()
    {
        _timeline.Upsert(Message(Customer, "oops"));
        long? deleted = null;
        var list = RenderList(Customer, onDelete: id => { deleted = id; return Task.CompletedTask; });

        list.Find("[data-testid=delete-message]").Click();
        Assert.Null(deleted);
        list.Find("[data-testid=delete-confirm]").Click();

        Assert.Equal(1, deleted);
    }

    [Fact]
    public void Edit_SavesTheNewText()
    {
        _timeline.Upsert(Message(Customer, "helo"));
        (long Id, string Body)? edit = null;
        var list = RenderList(Customer, onEdit: (id, body) => { edit = (id, body); return Task.FromResult(true); });

        list.Find("[data-testid=edit-message]").Click();
        Assert.Equal("helo", list.Find("[data-testid=edit-input]").GetAttribute("value"));
        list.Find("[data-testid=edit-input]").Input("hello");
        list.Find("[data-testid=edit-save]").Click();

        Assert.Equal((1L, "hello"), edit);
        Assert.Empty(list.FindAll("[data-testid=edit-input]"));
    }
}
