using Bunit;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;
using SupportCommunity.Web.Messages;
using SupportCommunity.Web.Rooms;

namespace SupportCommunity.Web.Tests.Components;

/// <summary>
/// The thread panel's composer meets the room's gate as the room's composer does: the panel alone for each kind of
/// gate, then a live room whose lock, timeout and slow mode reach both composers.
/// </summary>
public sealed class ThreadComposerTests(ComponentDatabase db) : RoomHarness(db)
{
    private static readonly Actor Customer = new("jordan", "Jordan Lee", new HashSet<string> { CommunityRoles.Customer });
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private static RoomControlsDto Controls(bool locked = false, int slowMode = 0) =>
        new("general", slowMode, locked, locked ? "Back after the release." : null, Pinned: null, HasRules: false, RulesVersion: 0);

    private IRenderedComponent<ThreadPanel> RenderPanel(PostingGate gate)
    {
        var thread = new RoomTimeline(new MessageFormatter());
        thread.Upsert(new MessageDto(1, "general", 1, 1, Guid.NewGuid(), "casey", "Casey Brooks", CommunityRoles.Customer, "Question",
            ReplyToSequence: null, CreatedAt: Now, EditedAt: null, Deleted: false));
        return Render<ThreadPanel>(p => p.Add(t => t.Thread, thread).Add(t => t.Viewer, Customer).Add(t => t.Gate, gate));
    }

    private static (bool Disabled, string? Placeholder) Composer(IRenderedComponent<ThreadPanel> panel)
    {
        var input = panel.Find("[data-testid=thread-footer] [data-testid=composer-input]");
        return (input.HasAttribute("disabled"), input.GetAttribute("placeholder"));
    }

    [Fact]
    public void ThreadPanel_Open_ComposerTakesReplies()
    {
        var panel = RenderPanel(new PostingGate(Controls(), null, Exempt: false, [], null, Now));
        Assert.Equal((false, "Reply in the thread…"), Composer(panel));
        Assert.Empty(panel.FindAll("[data-testid=composer-sanction]"));
    }

    [Fact]
    public void ThreadPanel_TimedOut_ComposerDisabledWithTheTimeLeftAndReason()
    {
        var timeout = new SanctionDto(7, "jordan", "Jordan Lee", "timeout", null, "Spam links", Now.AddMinutes(-1), Now.AddMinutes(9).AddSeconds(58), Active: true);
        var panel = RenderPanel(new PostingGate(Controls(), null, Exempt: false, [timeout], null, Now));

        Assert.Equal((true, "You can't post while timed out"), Composer(panel));
        Assert.Equal("You're timed out for 9:58 — Spam links", panel.Find("[data-testid=composer-sanction]").TextContent.Trim());
    }

    [Fact]
    public void ThreadPanel_RoomLocked_MembersCannotReplyStaffCan()
    {
        var member = RenderPanel(new PostingGate(Controls(locked: true), null, Exempt: false, [], null, Now));
        Assert.Equal((true, "This room is locked"), Composer(member));
        Assert.Contains("Back after the release.", member.Find("[data-testid=room-locked-banner]").TextContent, StringComparison.Ordinal);

        var staff = RenderPanel(new PostingGate(Controls(locked: true), null, Exempt: true, [], null, Now));
        Assert.Equal((false, "Reply in the thread…"), Composer(staff));
        Assert.Contains("You can still post as staff.", staff.Find("[data-testid=room-locked-banner]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void ThreadPanel_RulesNotAccepted_ComposerAsksForThem()
    {
        var rules = new RoomRulesDto("general", "Be kind.", "<p>Be kind.</p>", Version: 2, Accepted: false);
        var panel = RenderPanel(new PostingGate(Controls(), rules, Exempt: false, [], null, Now));
        Assert.Equal((true, "Accept the rules to post"), Composer(panel));
    }

    [Fact]
    public void ThreadPanel_SlowModeWait_ComposerCountsDown()
    {
        var panel = RenderPanel(new PostingGate(Controls(slowMode: 60), null, Exempt: false, [], Now.AddSeconds(42), Now));
        Assert.Equal((true, "Slow mode: you can post again in 42 s"), Composer(panel));
        Assert.Equal("Slow mode is on: you can post again in 42 s.", panel.Find("[data-testid=slow-mode-countdown]").TextContent.Trim());
    }

    [Fact]
    public async Task LiveRoom_LockTimeoutAndSlowMode_ReachTheThreadComposerAsTheRoomComposer()
    {
        var slug = "thread-" + Tag;
        await Db.AddRoomAsync(slug, "Thread " + Tag);
        var manager = await Db.AddUserAsync("Manager " + Tag, CommunityRoles.CommunityManager);
        var customer = await Db.AddUserAsync("Customer " + Tag, CommunityRoles.Customer);
        var question = await Db.Get<MessageService>().SendAsync(manager, slug, Guid.NewGuid(), "Ask your questions in a thread here.");
        var room = await OpenRoomAsync(customer, slug);

        room.Find("[data-testid=reply-message]").Click();
        await room.WaitForElementAsync("[data-testid=thread-footer] [data-testid=composer-input]");
        string? Placeholder(string where) => room.Find($"{where} [data-testid=composer-input]").GetAttribute("placeholder");
        bool Disabled(string where) => room.Find($"{where} [data-testid=composer-input]").HasAttribute("disabled");
        const string Thread = "[data-testid=thread-footer]";
        const string Main = ".room-footer";
        Assert.False(Disabled(Thread));

        // Locked by a manager elsewhere: both composers close at once.
        var controls = Db.Get<RoomControlService>();
        await controls.LockAsync(manager, slug, "Back soon.");
        await room.WaitForAssertionAsync(() => Assert.True(Disabled(Thread) && Disabled(Main)));
        Assert.Equal("This room is locked", Placeholder(Thread));
        Assert.Equal(Placeholder(Main), Placeholder(Thread));
        await controls.UnlockAsync(manager, slug);
        await room.WaitForAssertionAsync(() => Assert.False(Disabled(Thread)));

        // A reply in the thread starts slow mode's wait for both composers.
        await controls.SetSlowModeAsync(manager, slug, 60, reason: null);
        await room.WaitForAssertionAsync(() => Assert.NotEmpty(room.FindAll($"{Thread} [data-testid=slow-mode-hint]")));
        room.Find($"{Thread} [data-testid=composer-input]").Input("Does it work on Linux?");
        room.Find($"{Thread} [data-testid=composer-send]").Click();
        await room.WaitForAssertionAsync(() => Assert.True(Disabled(Thread) && Disabled(Main)));
        Assert.StartsWith("Slow mode: you can post again in", Placeholder(Thread), StringComparison.Ordinal);
        Assert.Contains(room.FindAll("[data-testid=thread-messages] [data-testid=message-body]"), b => b.TextContent.Trim() == "Does it work on Linux?");
        await controls.SetSlowModeAsync(manager, slug, 0, reason: null);

        // Timed out: the thread's composer shows the time left like the room's.
        await Db.Get<SanctionService>().TimeoutAsync(manager, customer.UserId, TimeSpan.FromMinutes(10), "Spam links");
        await room.WaitForAssertionAsync(() => Assert.Equal(2, room.FindAll("[data-testid=composer-sanction]").Count));
        Assert.Equal("You can't post while timed out", Placeholder(Thread));
        Assert.Matches("^You're timed out for (9:5\\d|10:00) — Spam links$", room.Find($"{Thread} [data-testid=composer-sanction]").TextContent.Trim());
        Assert.True(question.Sequence > 0);
    }
}
