using Bunit;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Reactions;
using SupportCommunity.Web.Messages;

namespace SupportCommunity.Web.Tests.Components;

public sealed class ReactionChipsTests : MudTestContext
{
    private static readonly Actor Customer = new("jordan", "Jordan Lee", new HashSet<string> { CommunityRoles.Customer });

    private readonly RoomTimeline _timeline = new(new MessageFormatter());

    private static MessageDto Message(bool deleted = false) => new(
        Id: 7, RoomSlug: "general", Sequence: 1, Revision: 3, ClientMessageId: Guid.NewGuid(), AuthorId: "casey",
        AuthorName: "Casey Brooks", AuthorRole: CommunityRoles.Customer, Body: deleted ? null : "Fixed after the update!",
        ReplyToSequence: null, CreatedAt: DateTimeOffset.UtcNow, EditedAt: null, Deleted: deleted)
    {
        Reactions = deleted ? [] : [new ReactionDto("👍", 2, ["casey", "jordan"]), new ReactionDto("🎉", 1, ["casey"])],
    };

    [Fact]
    public async Task Chips_ShowCountsHighlightMine_AndClickTogglesThatEmoji()
    {
        _timeline.Upsert(Message());
        var toggled = new List<(long, string)>();
        var list = Render<MessageList>(p => p
            .Add(l => l.Messages, _timeline.Items)
            .Add(l => l.Viewer, Customer)
            .Add(l => l.RoomName, "General")
            .Add(l => l.OnReact, (id, emoji) => { toggled.Add((id, emoji)); return Task.CompletedTask; }));

        var chips = list.FindAll("[data-testid=reaction]");
        Assert.Equal(["👍2", "🎉1"], chips.Select(c => c.TextContent.Trim()));
        Assert.Contains("mine", chips[0].ClassList);
        Assert.DoesNotContain("mine", chips[1].ClassList);
        Assert.Equal("true", chips[0].GetAttribute("aria-pressed"));

        await chips[1].ClickAsync(new());

        Assert.Equal([(7L, "🎉")], toggled);
        Assert.NotNull(list.Find("[data-testid=reaction-picker]"));
    }

    [Fact]
    public void DeletedMessage_ShowsNoChipsAndNoPicker()
    {
        _timeline.Upsert(Message(deleted: true));
        var list = Render<MessageList>(p => p
            .Add(l => l.Messages, _timeline.Items)
            .Add(l => l.Viewer, Customer)
            .Add(l => l.RoomName, "General")
            .Add(l => l.OnReact, (_, _) => Task.CompletedTask));

        Assert.Empty(list.FindAll("[data-testid=reaction]"));
        Assert.Empty(list.FindAll("[data-testid=reaction-picker]"));
    }
}
