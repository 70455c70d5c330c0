using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Tickets;
using SupportCommunity.Web.Messages;
using SupportCommunity.Web.Tickets;

namespace SupportCommunity.Web.Tests.Components.Tickets;

/// <summary>"Escalate to ticket": who is offered it, and the dialog against the real escalation service.</summary>
public sealed class TicketsEscalateTests : MudTestContext, IClassFixture<ComponentDatabase>
{
    private readonly ComponentDatabase _db;
    private readonly string _tag = Guid.NewGuid().ToString("N")[..6];
    private string Room => "esc-" + _tag;

    public TicketsEscalateTests(ComponentDatabase db)
    {
        _db = db;
        this.AddTicketServices(db);
    }

    [Theory]
    [InlineData(CommunityRoles.CommunityManager, CommunityRoles.Customer, true)]
    [InlineData(CommunityRoles.SupportAgent, CommunityRoles.TrustedMember, true)]
    [InlineData(CommunityRoles.CommunityManager, CommunityRoles.SupportAgent, false)]
    [InlineData(CommunityRoles.Customer, CommunityRoles.Customer, false)]
    [InlineData(CommunityRoles.VolunteerModerator, CommunityRoles.Customer, false)]
    public void EscalateAction_OfferedToStaffOnNonStaffMessages(string viewerRole, string authorRole, bool offered)
    {
        var viewer = new Actor("viewer", "Viewer", new HashSet<string> { viewerRole });
        var timeline = new RoomTimeline(new MessageFormatter());
        timeline.Upsert(new MessageDto(1, "general", 1, 1, Guid.NewGuid(), "author", "Author", authorRole, "Help please", null,
            DateTimeOffset.UtcNow, null, false));

        var list = Render<MessageList>(p => p.Add(l => l.Messages, timeline.Items).Add(l => l.Viewer, viewer));

        Assert.Equal(offered ? 1 : 0, list.FindAll("[data-testid=escalate-message]").Count);
    }

    [Theory]
    [InlineData("See [the status page](https://status.example.com) **first**", "See the status page first")]
    [InlineData("# Sync stuck\n> quoted\n- item `code`", "Sync stuck quoted item code")]
    public void PlainExcerpt_DropsMarkdownMarks(string markdown, string expected) =>
        Assert.Equal(expected, TicketText.PlainExcerpt(markdown, 200));

    private IRenderedComponent<MudDialogProvider> RenderDialogs()
    {
        Render<MudPopoverProvider>();
        return Render<MudDialogProvider>();
    }

    [Fact]
    public async Task Dialog_Thread_IncludesItAllThenOffersTheExistingTicketOrAnotherOne()
    {
        await _db.AddRoomAsync(Room, "Esc " + _tag);
        var manager = await _db.AddMemberAsync("Maya " + _tag, CommunityRoles.CommunityManager);
        var customer = await _db.AddMemberAsync("Jordan " + _tag, CommunityRoles.Customer);
        var question = await _db.PostAsync(customer, Room, $"My **invoice** shows a `double charge` {_tag}");
        await _db.Get<MessageService>().SendAsync(manager, Room, Guid.NewGuid(), "Looking into it", replyToSequence: question.Sequence);
        this.SignIn(manager);
        var dialogs = RenderDialogs();
        var service = Services.GetRequiredService<IDialogService>();

        await dialogs.InvokeAsync(() => EscalateDialog.ShowAsync(service, Room, Room, question.Sequence));
        await dialogs.WaitLiveAsync(() => Assert.Equal(2, dialogs.FindAll("[data-testid=escalate-line].included").Count));
        Assert.Single(dialogs.FindAll("[data-testid=escalate-dialog]"));
        Assert.Equal($"My invoice shows a double charge {_tag}", dialogs.Find("input[data-testid=escalate-subject]").GetAttribute("value"));
        Assert.Equal("2 of 2 selected", dialogs.Find("[data-testid=escalate-count]").TextContent.Trim());

        dialogs.Find("[data-testid=escalate-submit]").Click();
        await dialogs.WaitLiveAsync(() => Assert.Empty(dialogs.FindAll("[data-testid=escalate-dialog]")));
        var created = Services.GetRequiredService<ISnackbar>().ShownSnackbars.Single(s => s.Severity == Severity.Success);
        var first = (await _db.Get<TicketService>().ListDeskAsync(manager, new TicketQuery(Search: _tag))).Items.Single();
        Assert.Equal(2, (await _db.Get<TicketService>().GetAsync(manager, first.Number)).Transcript.Count);
        Assert.NotNull(created);

        // The same thread again: the open ticket is offered, and only "anyway" opens a second one.
        await dialogs.InvokeAsync(() => EscalateDialog.ShowAsync(service, Room, Room, question.Sequence));
        await dialogs.WaitLiveAsync(() => Assert.NotEmpty(dialogs.FindAll("[data-testid=escalate-line]")));
        dialogs.Find("[data-testid=escalate-submit]").Click();
        await dialogs.WaitLiveAsync(() =>
            Assert.Contains($"Already escalated as #{first.Number}", dialogs.Find("[data-testid=escalate-existing]").TextContent, StringComparison.Ordinal));
        Assert.Equal($"desk/tickets/{first.Number}", dialogs.Find("[data-testid=escalate-open-existing]").GetAttribute("href"));
        Assert.Single((await _db.Get<TicketService>().ListDeskAsync(manager, new TicketQuery(Search: _tag))).Items);

        dialogs.Find("[data-testid=escalate-force]").Click();
        await dialogs.WaitLiveAsync(() => Assert.Empty(dialogs.FindAll("[data-testid=escalate-dialog]")));
        Assert.Equal(2, (await _db.Get<TicketService>().ListDeskAsync(manager, new TicketQuery(Search: _tag))).Items.Count);
    }

    [Fact]
    public async Task Dialog_PrivateConversation_IncludesItsMessagesAndOpensAConversationTicket()
    {
        await _db.AddRoomAsync(Room, "Esc " + _tag);
        var manager = await _db.AddMemberAsync("Maya " + _tag, CommunityRoles.CommunityManager);
        var customer = await _db.AddMemberAsync("Jordan " + _tag, CommunityRoles.Customer);
        var question = await _db.PostAsync(customer, Room, $"Something about my account {_tag}");
        var conversation = await _db.Get<SupportCommunity.Conversations.ConversationService>().OpenAsync(manager, Room, question.Sequence);
        var messages = _db.Get<MessageService>();
        await messages.SendAsync(manager, conversation.Slug, Guid.NewGuid(), "Which email is on the account?");
        await messages.SendAsync(customer, conversation.Slug, Guid.NewGuid(), $"It is jordan@example.com, locked since Monday {_tag}");
        this.SignIn(manager);
        var dialogs = RenderDialogs();

        await dialogs.InvokeAsync(() => EscalateDialog.ShowAsync(Services.GetRequiredService<IDialogService>(), conversation.Slug, customer.DisplayName, null));
        await dialogs.WaitLiveAsync(() => Assert.Equal(2, dialogs.FindAll("[data-testid=escalate-line].included").Count));
        Assert.Contains("From this private conversation", dialogs.Markup, StringComparison.Ordinal);
        Assert.Equal($"It is jordan@example.com, locked since Monday {_tag}", dialogs.Find("input[data-testid=escalate-subject]").GetAttribute("value"));
        dialogs.Find("[data-testid=escalate-submit]").Click();

        await dialogs.WaitLiveAsync(() => Assert.Empty(dialogs.FindAll("[data-testid=escalate-dialog]")));
        var ticket = (await _db.Get<TicketService>().ListDeskAsync(manager, new TicketQuery(Search: _tag))).Items.Single();
        Assert.Equal(TicketSourceKind.Conversation, ticket.SourceKind);
        Assert.Equal(customer.UserId, ticket.RequesterId);
    }

    [Fact]
    public async Task Dialog_ByACustomer_ServerRefusesAndNothingIsOpened()
    {
        await _db.AddRoomAsync(Room, "Esc " + _tag);
        var manager = await _db.AddMemberAsync("Maya " + _tag, CommunityRoles.CommunityManager);
        var customer = await _db.AddMemberAsync("Jordan " + _tag, CommunityRoles.Customer);
        var other = await _db.AddMemberAsync("Casey " + _tag, CommunityRoles.Customer);
        var question = await _db.PostAsync(customer, Room, $"Please refund me {_tag}");
        this.SignIn(other);
        var dialogs = RenderDialogs();

        await dialogs.InvokeAsync(() => EscalateDialog.ShowAsync(Services.GetRequiredService<IDialogService>(), Room, Room, question.Sequence));
        await dialogs.WaitLiveAsync(() => Assert.Single(dialogs.FindAll("[data-testid=escalate-line]")));
        dialogs.Find("[data-testid=escalate-submit]").Click();

        await dialogs.WaitLiveAsync(() => Assert.NotNull(dialogs.Find("[data-testid=escalate-error]")));
        Assert.Empty((await _db.Get<TicketService>().ListDeskAsync(manager, new TicketQuery(Search: _tag))).Items);
    }
}
