using Bunit;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Web.Messages;
using SupportCommunity.Web.Moderation;

namespace SupportCommunity.Web.Tests.Components;

/// <summary>The message menu: offered to the room's moderators on members' messages, never on staff's to a volunteer; "Removed by a moderator".</summary>
public sealed class ModerationMenuTests : MudTestContext
{
    private static readonly Actor Customer = new("jordan", "Jordan Lee", new HashSet<string> { CommunityRoles.Customer });
    private static readonly Actor Manager = new("maya", "Maya Chen", new HashSet<string> { CommunityRoles.CommunityManager });
    private static readonly Actor Volunteer = new("theo", "Theo Ruiz", new HashSet<string> { CommunityRoles.VolunteerModerator });

    private readonly RoomTimeline _timeline = new(new MessageFormatter());
    private long _sequence;

    private MessageDto Message(Actor author, string body, bool removedByModerator = false) => new(
        Id: ++_sequence, RoomSlug: "general", Sequence: _sequence, Revision: _sequence, ClientMessageId: Guid.NewGuid(),
        AuthorId: author.UserId, AuthorName: author.DisplayName, AuthorRole: author.PrimaryRole,
        Body: removedByModerator ? null : body, ReplyToSequence: null, CreatedAt: DateTimeOffset.UtcNow, EditedAt: null,
        Deleted: removedByModerator, RemovedByModerator: removedByModerator);

    private IRenderedComponent<MessageList> RenderList(Actor viewer, bool canModerate, List<(ModerationAction, long)>? asked = null) =>
        Render<MessageList>(p => p
            .Add(l => l.Messages, _timeline.Items)
            .Add(l => l.Viewer, viewer)
            .Add(l => l.CanModerate, canModerate)
            .Add(l => l.OnModerate, (action, message) => { asked?.Add((action, message.Id)); return Task.CompletedTask; }));

    [Fact]
    public void ManagerInRoom_GetsTheMenuOnOthersMessages_IncludingStaff()
    {
        _timeline.Upsert(Message(Customer, "spam"));
        _timeline.Upsert(Message(Volunteer, "tip"));
        _timeline.Upsert(Message(Manager, "mine"));

        var list = RenderList(Manager, canModerate: true);

        var messages = list.FindAll("[data-testid=message]");
        Assert.NotNull(messages[0].QuerySelector("[data-testid=moderation-menu]"));
        Assert.NotNull(messages[1].QuerySelector("[data-testid=moderation-menu]"));
        Assert.Null(messages[2].QuerySelector("[data-testid=moderation-menu]"));
        Assert.NotNull(messages[2].QuerySelector("[data-testid=delete-message]"));
    }

    [Fact]
    public void VolunteerModerator_GetsTheMenuOnlyOnMembersMessages_AndOnlyWhereTheyModerate()
    {
        _timeline.Upsert(Message(Customer, "spam"));
        _timeline.Upsert(Message(Manager, "staff answer"));

        var moderating = RenderList(Volunteer, canModerate: true).FindAll("[data-testid=message]");
        Assert.NotNull(moderating[0].QuerySelector("[data-testid=moderation-menu]"));
        Assert.Null(moderating[1].QuerySelector("[data-testid=moderation-menu]"));

        var elsewhere = RenderList(Volunteer, canModerate: false).FindAll("[data-testid=message]");
        Assert.All(elsewhere, m => Assert.Null(m.QuerySelector("[data-testid=moderation-menu]")));
    }

    [Fact]
    public void Customer_NeverGetsTheMenu()
    {
        _timeline.Upsert(Message(Manager, "hello"));
        var list = RenderList(Customer, canModerate: true);
        Assert.Empty(list.FindAll("[data-testid=moderation-menu]"));
    }

    [Fact]
    public void RemovedByModerator_ShowsSoToMembers()
    {
        _timeline.Upsert(Message(Customer, "", removedByModerator: true));
        var list = RenderList(Customer, canModerate: false);
        Assert.Equal("Removed by a moderator.", list.Find("[data-testid=message-body]").TextContent);
    }

    [Theory]
    [InlineData(CommunityRoles.CommunityManager, true)]
    [InlineData(CommunityRoles.VolunteerModerator, false)]
    public void CommunityBan_OfferedInTheMenuToManagersOnly(string role, bool offered)
    {
        _timeline.Upsert(Message(Customer, "spam"));
        var popovers = Render<MudBlazor.MudPopoverProvider>();
        var viewer = role == CommunityRoles.CommunityManager ? Manager : Volunteer;

        RenderList(viewer, canModerate: true).Find("[data-testid=moderation-menu] button").Click();

        popovers.WaitForAssertion(() => Assert.NotEmpty(popovers.FindAll("[data-testid=moderate-timeout]")));
        Assert.Equal(offered, popovers.FindAll("[data-testid=moderate-community-ban]").Count == 1);
    }
}
