using Bunit;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Presence;
using SupportCommunity.Web.Conversations;
using SupportCommunity.Web.Messages;

namespace SupportCommunity.Web.Tests.Components;

/// <summary>Threads, "Reply privately", the private-help marker and agent collision, as each viewer sees them.</summary>
public sealed class ThreadAndPrivateReplyTests : MudTestContext
{
    private static readonly Actor Customer = new("jordan", "Jordan Lee", new HashSet<string> { CommunityRoles.Customer });
    private static readonly Actor OtherCustomer = new("casey", "Casey Brooks", new HashSet<string> { CommunityRoles.Customer });
    private static readonly Actor Manager = new("maya", "Maya Chen", new HashSet<string> { CommunityRoles.CommunityManager });
    private static readonly Actor Agent = new("sam", "Sam Patel", new HashSet<string> { CommunityRoles.SupportAgent });
    private static readonly Actor Moderator = new("theo", "Theo Ruiz", new HashSet<string> { CommunityRoles.VolunteerModerator });

    private readonly RoomTimeline _timeline = new(new MessageFormatter());
    private long _sequence;

    private MessageDto Message(Actor author, string body, long? replyTo = null, bool helpedPrivately = false) => new(
        Id: ++_sequence,
        RoomSlug: "general",
        Sequence: _sequence,
        Revision: _sequence,
        ClientMessageId: Guid.NewGuid(),
        AuthorId: author.UserId,
        AuthorName: author.DisplayName,
        AuthorRole: author.PrimaryRole,
        Body: body,
        ReplyToSequence: replyTo,
        CreatedAt: DateTimeOffset.UtcNow.AddMinutes(-10 * (100 - _sequence)),
        EditedAt: null,
        Deleted: false,
        HelpedPrivately: helpedPrivately);

    private IRenderedComponent<MessageList> RenderList(
        Actor viewer,
        Func<long, Task>? onOpenThread = null,
        Func<MessageDto, Task>? onReplyPrivately = null,
        Func<MessageDto, string?>? conversationLink = null) =>
        Render<MessageList>(p => p
            .Add(l => l.Messages, _timeline.Items)
            .Add(l => l.Viewer, viewer)
            .Add(l => l.OnOpenThread, onOpenThread ?? (_ => Task.CompletedTask))
            .Add(l => l.FindMessage, _timeline.Find)
            .Add(l => l.OnReplyPrivately, onReplyPrivately ?? (_ => Task.CompletedTask))
            .Add(l => l.ConversationLink, conversationLink));

    [Fact]
    public void Reply_FirstMessageLoaded_QuotesItsAuthorAndText()
    {
        var question = Message(Customer, "My invoice shows a **double** charge");
        _timeline.Upsert(question);
        _timeline.UpsertPosted(Message(Manager, "Looking into it", replyTo: question.Sequence));
        long? opened = null;

        var list = RenderList(OtherCustomer, onOpenThread: s => { opened = s; return Task.CompletedTask; });

        var quote = list.FindAll("[data-testid=message]")[1].QuerySelector("[data-testid=reply-quote]")!;
        Assert.Contains("Jordan Lee", quote.TextContent, StringComparison.Ordinal);
        Assert.Contains("My invoice shows a **double** charge", quote.TextContent, StringComparison.Ordinal);
        Assert.Equal("1 reply", list.Find("[data-testid=reply-count]").TextContent.Trim());

        list.Find("[data-testid=reply-quote]").Click();
        Assert.Equal(question.Sequence, opened);
    }

    [Fact]
    public void Reply_FirstMessageNotLoaded_LinksToTheThread()
    {
        _sequence = 40;
        _timeline.Upsert(Message(Manager, "Fixed in 4.2.1", replyTo: 3));

        var list = RenderList(Customer);

        Assert.Equal("Reply in a thread", list.Find("[data-testid=reply-quote]").TextContent.Trim());
    }

    [Fact]
    public void ReplyCount_ReplyArrivesLive_Increments()
    {
        var question = Message(Customer, "Question");
        _timeline.Upsert(question);
        var list = RenderList(Customer);
        Assert.Empty(list.FindAll("[data-testid=reply-count]"));

        _timeline.UpsertPosted(Message(Manager, "First answer", replyTo: question.Sequence));
        _timeline.UpsertPosted(Message(OtherCustomer, "Same here", replyTo: question.Sequence));
        list.Render();

        Assert.Equal("2 replies", list.Find("[data-testid=reply-count]").TextContent.Trim());
    }

    [Theory]
    [InlineData("maya", true)]
    [InlineData("sam", true)]
    [InlineData("theo", true)]
    [InlineData("casey", false)]
    public void ReplyPrivately_OnACustomersMessage_OfferedToStaffAndModeratorsOnly(string viewerId, bool offered)
    {
        var viewer = new[] { Manager, Agent, Moderator, OtherCustomer }.Single(a => a.UserId == viewerId);
        _timeline.Upsert(Message(Customer, "Please check my account"));

        var list = RenderList(viewer);

        Assert.Equal(offered ? 1 : 0, list.FindAll("[data-testid=reply-privately]").Count);
        Assert.Single(list.FindAll("[data-testid=reply-message]"));
    }

    [Fact]
    public void ReplyPrivately_OnStaffMessages_NotOffered()
    {
        _timeline.Upsert(Message(Agent, "A staff answer"));
        var list = RenderList(Manager);
        Assert.Empty(list.FindAll("[data-testid=reply-privately]"));
    }

    [Fact]
    public void ReplyPrivately_Clicked_PassesTheMessage()
    {
        var question = Message(Customer, "Please check my account");
        _timeline.Upsert(question);
        MessageDto? chosen = null;
        var list = RenderList(Manager, onReplyPrivately: m => { chosen = m; return Task.CompletedTask; });

        list.Find("[data-testid=reply-privately]").Click();

        Assert.Equal(question.Sequence, chosen?.Sequence);
    }

    [Fact]
    public void PrivateMarker_ToItsAuthor_SaysWeRepliedAndLinksToTheConversation()
    {
        _timeline.Upsert(Message(Customer, "Please check my account", helpedPrivately: true));

        var list = RenderList(Customer, conversationLink: _ => "conversations/private-abc");

        var marker = list.Find("[data-testid=private-marker]");
        Assert.Equal("We've replied privately", marker.TextContent.Trim());
        Assert.Equal("conversations/private-abc", marker.GetAttribute("href"));
    }

    [Fact]
    public void PrivateMarker_ToEveryoneElse_SaysStaffIsHelpingWithoutALink()
    {
        _timeline.Upsert(Message(Customer, "Please check my account", helpedPrivately: true));

        var list = RenderList(OtherCustomer, conversationLink: _ => "conversations/private-abc");

        var marker = list.Find("[data-testid=private-marker]");
        Assert.Equal("A staff member is helping privately", marker.TextContent.Trim());
        Assert.Null(marker.GetAttribute("href"));
    }

    [Fact]
    public void PrivateMarker_SetLive_Appears()
    {
        var question = Message(Customer, "Please check my account");
        _timeline.Upsert(question);
        var list = RenderList(OtherCustomer);
        Assert.Empty(list.FindAll("[data-testid=private-marker]"));

        _timeline.Upsert(question with { Revision = question.Revision + 10, HelpedPrivately = true });
        list.Render();

        Assert.Single(list.FindAll("[data-testid=private-marker]"));
    }

    [Fact]
    public void ThreadPanel_NoReplies_ShowsTheEmptyState()
    {
        var thread = new RoomTimeline(new MessageFormatter());
        thread.Upsert(Message(Customer, "Question"));

        var panel = Render<ThreadPanel>(p => p.Add(t => t.Thread, thread).Add(t => t.Viewer, Customer));

        Assert.Contains("No replies yet", panel.Find("[data-testid=thread-empty]").TextContent, StringComparison.Ordinal);
        Assert.Single(panel.FindAll("[data-testid=message]"));
    }

    [Fact]
    public void ThreadPanel_ReplyArrives_ShowsItAndCountsIt()
    {
        var thread = new RoomTimeline(new MessageFormatter());
        var question = Message(Customer, "Question");
        thread.Upsert(question);
        var panel = Render<ThreadPanel>(p => p.Add(t => t.Thread, thread).Add(t => t.Viewer, Customer));

        thread.UpsertPosted(Message(Manager, "The answer", replyTo: question.Sequence));
        panel.Render();

        Assert.Empty(panel.FindAll("[data-testid=thread-empty]"));
        Assert.Equal(["Question", "The answer"], panel.FindAll("[data-testid=message-body]").Select(b => b.TextContent.Trim()));
        Assert.Equal("1 reply", panel.Find("[data-testid=thread-reply-count]").TextContent.Trim());
        // Inside the thread, replies carry no quote of the message above them.
        Assert.Empty(panel.FindAll("[data-testid=reply-quote]"));
    }

    [Fact]
    public void ThreadPanel_CloseButton_Closes()
    {
        var thread = new RoomTimeline(new MessageFormatter());
        thread.Upsert(Message(Customer, "Question"));
        var closed = false;
        var panel = Render<ThreadPanel>(p => p.Add(t => t.Thread, thread).Add(t => t.Viewer, Customer).Add(t => t.OnClose, () => closed = true));

        panel.Find("[data-testid=thread-close]").Click();

        Assert.True(closed);
    }

    [Fact]
    public void AgentCollision_OtherStaffViewingOrTyping_AreNamedWithTheirRole()
    {
        var online = new RoomPresence(4, [User(Manager), User(Agent), User(Moderator), User(Customer)]);

        var line = Render<AgentCollision>(p => p
            .Add(c => c.Viewer, Manager)
            .Add(c => c.Online, online)
            .Add(c => c.Typing, [User(Moderator), User(Customer)]));

        var users = line.FindAll("[data-testid=collision-user]").Select(u => u.TextContent.Replace("\n", " ").Trim()).ToList();
        Assert.Equal(2, users.Count);
        Assert.Matches("^Theo Ruiz +Moderator +is typing…$", users[0]);
        Assert.Matches("^Sam Patel +Support agent +is also viewing$", users[1]);
    }

    [Fact]
    public void AgentCollision_OnlyTheCustomerAndMe_ShowsNothing()
    {
        var line = Render<AgentCollision>(p => p
            .Add(c => c.Viewer, Agent)
            .Add(c => c.Online, new RoomPresence(2, [User(Agent), User(Customer)]))
            .Add(c => c.Typing, [User(Customer)]));

        Assert.Empty(line.FindAll("[data-testid=agent-collision]"));
    }

    private static PresenceUser User(Actor actor) => new(actor.UserId, actor.DisplayName, actor.PrimaryRole);
}
