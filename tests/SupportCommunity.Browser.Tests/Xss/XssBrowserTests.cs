using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace SupportCommunity.Browser.Tests.Xss;

/// <summary>
/// The XSS corpus (issue 8, item 2) in a real Chromium under the app's real Content-Security-Policy, on every surface
/// that shows user text. <see cref="XssSeed"/> put the corpus everywhere through the app's services; each test opens
/// its surfaces as the role that sees them, brings every seeded item on screen (scrolling the virtualized lists,
/// loading every page of the bell, the audit log and the lists), and then asserts that the <see cref="XssProbe"/>
/// found nothing (no marker call, no dialog, no CSP violation, no request to another origin, no dangerous markup)
/// and that payloads show as the text that was typed.
/// </summary>
public sealed class XssBrowserTests(XssFixture fixture, ITestOutputHelper output) : IClassFixture<XssFixture>
{
    /// <summary>Payloads and the exact text their rendered body shows: markup typed into a message is text.</summary>
    private static readonly (string Payload, string Shown)[] Literal =
    [
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
        ("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),
        ("<svg onload=alert(1)>", "<svg onload=alert(1)>"),
        ("\"><img src=x onerror=alert(1)>", "\"><img src=x onerror=alert(1)>"),
        ("<iframe srcdoc=\"<script>top.__pwned()</script>\"></iframe>", "<iframe srcdoc=\"<script>top.__pwned()</script>\"></iframe>"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;", "<script>alert(1)</script>"),
        ("</textarea><script>alert(1)</script>", "</textarea><script>alert(1)</script>"),
        ("[click me](javascript:alert(1))", "click me"),
    ];

    private XssSeed Seed => fixture.Seed;

    [Fact]
    public async Task RoomAndThread_CustomerReadsEveryPayload_NothingRunsAndMarkupShowsAsText()
    {
        var clock = Stopwatch.StartNew();
        var (customer, probe) = Start(fixture.Customer, fixture.CustomerProbe);
        await customer.OpenRoomAsync("general");

        // The room: every seeded message rendered at least once, authors with payload names as plain text.
        var room = await WalkAsync(customer.Page, customer.Page.GetByTestId("room").GetByTestId("message-list"), Seed.GeneralSequences);
        AssertLiteralBodies(room, Seed.ReplyOf, "room");
        foreach (var name in XssCorpus.DisplayNames)
        {
            Assert.Contains(name, room.Authors);
        }

        // Payload names in the online bar, the typing line and the composer's mention suggestions.
        var avatars = customer.Page.GetByTestId("online").Locator(".mud-avatar");
        await Expect(avatars.First).ToBeVisibleAsync();
        for (var i = 0; i < await avatars.CountAsync(); i++)
        {
            await avatars.Nth(i).HoverAsync();
        }

        await Expect(customer.Page.Locator(".mud-tooltip").Last).ToBeVisibleAsync();
        var typing = fixture.App.Services.GetRequiredService<SupportCommunity.Presence.TypingSignal>();
        await typing.SendAsync(Seed.NamedMembers[0], "general");
        await typing.SendAsync(Seed.NamedMembers[2], "general");
        await Expect(customer.Page.GetByTestId("typing")).ToHaveTextAsync($"{XssCorpus.DisplayNames[0]} and {XssCorpus.DisplayNames[2]} are typing…");
        // A mention query is letters only: "@accou" finds "[Verify account](javascript:alert(1))" by its second word.
        await customer.Composer.PressSequentiallyAsync("@accou");
        await Expect(customer.Page.GetByTestId("mention-option").Locator(".mention-name")).ToHaveTextAsync([XssCorpus.DisplayNames[3]]);
        await customer.Composer.PressAsync("Escape");
        await customer.Composer.FillAsync("");

        // The thread panel, opened from a reply's quote near the end: the root and every reply, all at once.
        var lastReply = Seed.ThreadSequences[^1];
        await customer.Page.GetByTestId("room").GetByTestId("message-list").EvaluateAsync(
            "el => { el.scrollTop = el.scrollHeight; el.dispatchEvent(new Event('scroll')); }");
        await customer.Page.Locator($"[data-testid=message][data-sequence='{lastReply}']").GetByTestId("reply-quote").ClickAsync();
        var panel = customer.Page.GetByTestId("thread-panel");
        await Expect(panel.GetByTestId("message")).ToHaveCountAsync(Seed.ThreadSequences.Count);
        var thread = await CollectAsync(panel);
        AssertLiteralBodies(thread, Seed.ReplyOf, "thread");
        var quote = customer.Page.Locator($"[data-testid=message][data-sequence='{lastReply}']").GetByTestId("reply-quote");
        await Expect(quote.Locator(".reply-quote-text")).ToHaveTextAsync(XssCorpus.All[0].Text);
        await ScreenshotAsync(customer, "xss-thread.png");
        await customer.Page.Keyboard.PressAsync("Escape");

        await AssertCleanAsync(customer, probe, "room timeline and thread panel", clock, room.Bodies.Count + thread.Bodies.Count);
    }

    [Fact]
    public async Task PrivateConversations_CustomerAndStaffReadEveryPayload_NothingRunsAndMarkupShowsAsText()
    {
        var clock = Stopwatch.StartNew();
        var (customer, probe) = Start(fixture.Customer, fixture.CustomerProbe);

        // The customer's side: every private message, and the question it came from as plain text.
        await customer.Page.GotoAsync($"conversations/{Seed.ConversationSlug}");
        var main = customer.Page.GetByTestId("conversation-main");
        await Expect(main.Locator("[data-testid=room][data-ready=true]")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Expect(customer.Page.Locator(".conversation-source-excerpt")).ToHaveTextAsync($"“{XssCorpus.All[0].Text}”");
        var conversation = await WalkAsync(customer.Page, main.GetByTestId("message-list"), Seed.ConversationSequences);
        AssertLiteralBodies(conversation, Seed.PrivateMessageOf, "private conversation");

        // The conversation tickets were escalated from: each notice quotes a payload subject inside markdown.
        await customer.Page.GotoAsync($"conversations/{Seed.SubjectConversationSlug}");
        var notices = customer.Page.GetByTestId("conversation-main");
        await Expect(notices.Locator("[data-testid=room][data-ready=true]")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        var subjects = await WalkAsync(customer.Page, notices.GetByTestId("message-list"), Seed.SubjectConversationSequences);
        Assert.Contains(subjects.Bodies.Values, body => body.Contains("<img src=x onerror=alert(1)>", StringComparison.Ordinal));
        Assert.Contains(subjects.Bodies.Values, body => body.Contains("<iframe srcdoc=\"<script>top.__pwned()</script>\"></iframe>", StringComparison.Ordinal));

        // The list of conversations.
        await customer.Page.GotoAsync("conversations");
        await Expect(customer.Page.GetByTestId("conversation-row")).ToHaveCountAsync(2, new() { Timeout = 15_000 });
        await Expect(customer.Page.Locator($"[data-testid=conversation-row][data-slug='{Seed.ConversationSlug}']")).ToContainTextAsync(XssCorpus.All[0].Text);
        await AssertCleanAsync(customer, probe, "private conversations (customer)", clock, conversation.Bodies.Count + subjects.Bodies.Count);

        // Staff's side: the notes beside the conversation.
        clock.Restart();
        var (manager, managerProbe) = Start(fixture.Manager, fixture.ManagerProbe);
        await manager.Page.GotoAsync($"conversations/{Seed.ConversationSlug}");
        var notesPanel = manager.Page.GetByTestId("staff-notes");
        await Expect(notesPanel.Locator("[data-testid=room][data-ready=true]")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        var notes = await WalkAsync(manager.Page, notesPanel.GetByTestId("message-list"), Seed.NoteSequences);
        AssertLiteralBodies(notes, Seed.NoteOf, "staff notes");
        await AssertCleanAsync(manager, managerProbe, "staff notes", clock, notes.Bodies.Count);
    }

    [Fact]
    public async Task NotificationBell_CustomerLoadsEveryEntry_NothingRunsAndExcerptsShowAsText()
    {
        var clock = Stopwatch.StartNew();
        var (customer, probe) = Start(fixture.Customer, fixture.CustomerProbe);
        await customer.Page.GotoAsync("tickets");
        await Expect(customer.Page.GetByTestId("my-tickets-page")).ToBeVisibleAsync(new() { Timeout = 15_000 });

        await customer.Page.GetByTestId("bell-button").ClickAsync();
        var items = customer.Page.GetByTestId("bell-item");
        await Expect(items.First).ToBeVisibleAsync();
        var more = customer.Page.GetByTestId("bell-load-more");
        while (await more.CountAsync() > 0)
        {
            var before = await items.CountAsync();
            await more.ClickAsync();
            await Expect(items).Not.ToHaveCountAsync(before);
        }

        await Expect(items).ToHaveCountAsync(Seed.CustomerNotifications);
        // Excerpts of thread replies, private replies and ticket subjects, and payload names in headlines, as text.
        await Expect(items.Filter(new() { Has = customer.Page.Locator(".bell-excerpt", new() { HasTextString = "<script>alert(1)</script>" }) }).First).ToBeVisibleAsync();
        await Expect(customer.Page.Locator(".bell-excerpt", new() { HasTextString = "\"><img src=x onerror=alert(1)>" }).First).ToBeAttachedAsync();
        await Expect(customer.Page.Locator(".bell-headline", new() { HasTextString = XssCorpus.DisplayNames[1] }).First).ToBeAttachedAsync();
        await customer.Page.Keyboard.PressAsync("Escape");

        await AssertCleanAsync(customer, probe, "notification bell", clock, Seed.CustomerNotifications);
    }

    [Fact]
    public async Task CustomerTicketPages_EveryReplyAndSubject_NothingRunsAndMarkupShowsAsText()
    {
        var clock = Stopwatch.StartNew();
        var (customer, probe) = Start(fixture.Customer, fixture.CustomerProbe);

        // My tickets: every subject a payload, as text.
        await customer.Page.GotoAsync("tickets");
        var rows = customer.Page.GetByTestId("my-ticket-row");
        await Expect(rows.First).ToBeVisibleAsync(new() { Timeout = 15_000 });
        var more = customer.Page.GetByTestId("my-tickets-more");
        while (await more.CountAsync() > 0)
        {
            var before = await rows.CountAsync();
            await more.ClickAsync();
            await Expect(rows).Not.ToHaveCountAsync(before);
        }

        await Expect(rows).ToHaveCountAsync(Seed.CustomerTickets);
        await Expect(customer.Page.Locator(".ticket-row-subject", new() { HasTextRegex = Containing("<svg><script>top.__pwned()</script></svg>") })).ToHaveCountAsync(1);

        // The main ticket as its customer sees it: public replies and the transcript, never the notes.
        await customer.Page.GotoAsync($"tickets/{Seed.MainTicket}");
        await Expect(customer.Page.Locator("[data-testid=customer-ticket][data-ready=true]")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Expect(customer.Page.GetByTestId("ticket-subject")).ToHaveTextAsync("<img src=x onerror=alert(1)> \"><script>alert(1)</script>");
        await Expect(customer.Page.Locator("[data-testid=ticket-entry][data-kind=PublicReply]")).ToHaveCountAsync(Seed.MainTicketPublicEntries);
        await Expect(customer.Page.Locator("[data-testid=ticket-entry][data-kind=InternalNote]")).ToHaveCountAsync(0);
        await Expect(customer.Page.GetByTestId("transcript-line")).ToHaveCountAsync(Seed.MainTicketTranscriptLines);
        await AssertLiteralTextsAsync(customer.Page.GetByTestId("ticket-entry-body"), "customer ticket replies");
        await customer.Page.Locator(".customer-transcript summary").ClickAsync();
        await Expect(customer.Page.GetByTestId("ticket-transcript")).ToBeVisibleAsync();
        await AssertLiteralTextsAsync(customer.Page.GetByTestId("transcript-body"), "customer ticket transcript");

        // A ticket whose subject is an iframe.
        var iframeSubject = Seed.SubjectTicketOf["<iframe srcdoc=\"<script>top.__pwned()</script>\"></iframe>"];
        await customer.Page.GotoAsync($"tickets/{iframeSubject}");
        await Expect(customer.Page.Locator("[data-testid=customer-ticket][data-ready=true]")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Expect(customer.Page.GetByTestId("ticket-subject")).ToContainTextAsync("<iframe srcdoc=\"<script>top.__pwned()</script>\"></iframe>");

        await AssertCleanAsync(customer, probe, "customer's tickets", clock, Seed.CustomerTickets + Seed.MainTicketPublicEntries + Seed.MainTicketTranscriptLines);
    }

    [Fact]
    public async Task DeskTicketPages_EveryReplyNoteAndSubject_NothingRunsAndMarkupShowsAsText()
    {
        var clock = Stopwatch.StartNew();
        var (manager, probe) = Start(fixture.Manager, fixture.ManagerProbe);

        // The desk: every unresolved ticket, subjects as text.
        await manager.Page.GotoAsync("desk");
        await Expect(manager.Page.Locator("[data-testid=desk-page][data-ready=true]")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        var rows = manager.Page.GetByTestId("desk-row");
        var more = manager.Page.GetByTestId("desk-more");
        while (await more.CountAsync() > 0)
        {
            var before = await rows.CountAsync();
            await more.ClickAsync();
            await Expect(rows).Not.ToHaveCountAsync(before);
        }

        await Expect(rows).ToHaveCountAsync(Seed.DeskTickets);
        await Expect(manager.Page.Locator(".desk-subject", new() { HasTextRegex = Containing("<ScRiPt>top.__pwned()</sCrIpT>") })).ToHaveCountAsync(1);

        // The main ticket: replies, internal notes, transcript, subject, category and the rating comment.
        await manager.Page.GotoAsync($"desk/tickets/{Seed.MainTicket}");
        await Expect(manager.Page.Locator("[data-testid=ticket-page][data-ready=true]")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Expect(manager.Page.GetByTestId("ticket-subject")).ToHaveTextAsync("<img src=x onerror=alert(1)> \"><script>alert(1)</script>");
        await Expect(manager.Page.Locator("[data-testid=ticket-entry][data-kind=PublicReply], [data-testid=ticket-entry][data-kind=InternalNote]"))
            .ToHaveCountAsync(Seed.MainTicketEntries);
        await Expect(manager.Page.GetByTestId("transcript-line")).ToHaveCountAsync(Seed.MainTicketTranscriptLines);
        await Expect(manager.Page.GetByTestId("ticket-page")).ToContainTextAsync("<svg onload=alert(1)>");
        await Expect(manager.Page.GetByTestId("ticket-rating")).ToContainTextAsync("<img src=x onerror=alert(1)> [rate](javascript:alert(1))");
        await AssertLiteralTextsAsync(manager.Page.GetByTestId("ticket-entry-body"), "desk ticket replies and notes");
        await ScreenshotAsync(manager, "xss-desk-ticket.png");
        await AssertLiteralTextsAsync(manager.Page.GetByTestId("transcript-body"), "desk ticket transcript");

        // The ticket of a member whose display name is a payload.
        await manager.Page.GotoAsync($"desk/tickets/{Seed.NamedRequesterTicket}");
        await Expect(manager.Page.Locator("[data-testid=ticket-page][data-ready=true]")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Expect(manager.Page.GetByTestId("ticket-requester")).ToHaveTextAsync(XssCorpus.DisplayNames[0]);

        await AssertCleanAsync(manager, probe, "ticket desk", clock, Seed.DeskTickets + Seed.MainTicketEntries + Seed.MainTicketTranscriptLines);
    }

    [Fact]
    public async Task EscalateDialog_ManagerEscalatesThePayloadThread_NothingRunsAndLinesShowAsText()
    {
        var clock = Stopwatch.StartNew();
        var (manager, probe) = Start(fixture.Manager, fixture.ManagerProbe);
        await manager.OpenRoomAsync("general");

        // The thread, from a reply's quote at the bottom of the room, then "Escalate the thread to a ticket".
        var lastReply = Seed.ThreadSequences[^1];
        await manager.Page.GetByTestId("room").GetByTestId("message-list").EvaluateAsync(
            "el => { el.scrollTop = el.scrollHeight; el.dispatchEvent(new Event('scroll')); }");
        await manager.Page.Locator($"[data-testid=message][data-sequence='{lastReply}']").GetByTestId("reply-quote").ClickAsync();
        await manager.Page.GetByTestId("thread-escalate").ClickAsync();
        var dialog = manager.Page.GetByTestId("escalate-dialog");
        var lines = dialog.GetByTestId("escalate-line");
        await Expect(lines).ToHaveCountAsync(Seed.ThreadSequences.Count);
        // Lines are plain excerpts (markdown marks such as "__" are dropped), shown as text.
        await Expect(dialog.Locator(".escalate-line-body", new() { HasTextRegex = Exactly("<iframe src=\"javascript:alert(1)\"></iframe>") }))
            .ToHaveCountAsync(1);
        await Expect(dialog.Locator(".escalate-line-author", new() { HasTextRegex = Containing(XssCorpus.DisplayNames[4]) }).First).ToBeAttachedAsync();
        await Expect(dialog.Locator("input[data-testid=escalate-subject]")).ToHaveValueAsync(XssCorpus.All[0].Text);
        await manager.Page.GetByTestId("escalate-cancel").ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        await manager.Page.Keyboard.PressAsync("Escape");

        await AssertCleanAsync(manager, probe, "escalate dialog", clock, Seed.ThreadSequences.Count);
    }

    [Fact]
    public async Task ModerationQueue_EveryReportedPayloadAndReason_NothingRunsAndShowsAsText()
    {
        var clock = Stopwatch.StartNew();
        var (manager, probe) = Start(fixture.Manager, fixture.ManagerProbe);
        await manager.Page.GotoAsync("moderation/queue");
        var reports = manager.Page.GetByTestId("queue-report");
        await Expect(reports).ToHaveCountAsync(Seed.QueueReports, new() { Timeout = 15_000 });
        await Expect(manager.Page.GetByTestId("queue-held")).ToHaveCountAsync(Seed.QueueHeld);

        // Bodies (after the manager's payload edits), reasons and reporters' payload names, as text.
        await Expect(manager.Page.GetByTestId("queue-body").Filter(new() { HasTextString = "<svg onload=alert(1)>" }).First).ToBeVisibleAsync();
        await Expect(manager.Page.Locator(".queue-reasons li", new() { HasTextString = "\"><img src=x onerror=alert(1)>" }).First).ToBeAttachedAsync();
        await Expect(manager.Page.Locator(".queue-reasons li", new() { HasTextString = XssCorpus.DisplayNames[4] }).First).ToBeAttachedAsync();
        await Expect(manager.Page.GetByTestId("queue-held").First).ToContainTextAsync(XssSeed.HoldWord);

        // The context of a few reports: the messages around them and the author's history.
        for (var i = 0; i < 3; i++)
        {
            var report = reports.Nth(i);
            await report.GetByTestId("queue-expand").ClickAsync();
            await Expect(report.GetByTestId("queue-context").Locator(".queue-context-line").First).ToBeVisibleAsync();
        }

        await AssertCleanAsync(manager, probe, "moderation queue", clock, Seed.QueueReports + Seed.QueueHeld);
    }

    [Fact]
    public async Task AuditLog_EveryEntry_NothingRunsAndReasonsAndBodiesShowAsText()
    {
        var clock = Stopwatch.StartNew();
        var (manager, probe) = Start(fixture.Manager, fixture.ManagerProbe);
        await manager.Page.GotoAsync("moderation/audit");
        var rows = manager.Page.GetByTestId("audit-table").Locator("tbody tr");
        await Expect(manager.Page.GetByTestId("audit-reason").First).ToBeVisibleAsync(new() { Timeout = 15_000 });
        var more = manager.Page.GetByTestId("audit-more");
        while (await more.CountAsync() > 0)
        {
            var before = await rows.CountAsync();
            await more.ClickAsync();
            await Expect(rows).Not.ToHaveCountAsync(before);
        }

        await Expect(rows).ToHaveCountAsync(Seed.AuditEntries);
        await Expect(manager.Page.GetByTestId("audit-reason").Filter(new() { HasTextString = "<script>alert(1)</script>" }).First).ToBeAttachedAsync();
        await Expect(manager.Page.Locator(".audit-text", new() { HasTextString = "→ <ScRiPt>top.__pwned()</sCrIpT>" }).First).ToBeAttachedAsync();
        await Expect(manager.Page.Locator("td[data-label=Target]", new() { HasTextRegex = Exactly(XssCorpus.DisplayNames[2]) }).First).ToBeAttachedAsync();

        // A message's edit history: the text before each edit, and now.
        var edited = rows.Filter(new() { Has = manager.Page.GetByTestId("audit-action").Filter(new() { HasTextString = "message.edit" }) }).First;
        await edited.GetByRole(AriaRole.Button, new() { Name = "History" }).ClickAsync();
        await Expect(manager.Page.GetByTestId("audit-history")).ToBeVisibleAsync();
        await Expect(manager.Page.GetByTestId("audit-history").Locator(".audit-text")).ToHaveCountAsync(2);

        await AssertCleanAsync(manager, probe, "audit log", clock, Seed.AuditEntries);
    }

    [Fact]
    public async Task RoomRulesPinnedNoticeAndLockBanner_CustomerReadsThem_NothingRunsAndMarkupShowsAsText()
    {
        var clock = Stopwatch.StartNew();
        var (customer, probe) = Start(fixture.Customer, fixture.CustomerProbe);
        await customer.Page.GotoAsync("rooms/billing");
        await Expect(customer.ReadyRoom).ToHaveAttributeAsync("data-room", "billing", new() { Timeout = 15_000 });

        var rules = customer.Page.GetByTestId("rules-body");
        await Expect(rules).ToBeVisibleAsync();
        await Expect(rules).ToContainTextAsync("<script>alert(1)</script>");
        await Expect(rules).ToContainTextAsync("<iframe srcdoc=\"<script>top.__pwned()</script>\"></iframe>");
        await Expect(customer.Page.GetByTestId("room-pinned-body")).ToContainTextAsync("<svg onload=alert(1)>");
        await Expect(customer.Page.GetByTestId("room-locked-banner")).ToContainTextAsync("\"><img src=x onerror=alert(1)> </div><script>alert(1)</script>");

        await AssertCleanAsync(customer, probe, "room rules, pinned notice and lock banner", clock, 3);
    }

    [Fact]
    public async Task WithoutThePolicy_CustomerReadsEveryPayloadThrice_NoScriptRuns()
    {
        // The policy is the second line of defence: with it switched off in the browser, the sanitiser alone must
        // still keep every payload from running. The densest pages: the thread panel (every payload at once, not
        // virtualized), the rules (all of them in one document) and the main ticket (every reply and the transcript).
        var clock = Stopwatch.StartNew();
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = fixture.App.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1400, Height = 2400 },
            BypassCSP = true,
        });
        context.SetDefaultTimeout(15_000);
        await using var customer = new UserSession(context, await context.NewPageAsync());
        var probe = await XssProbe.AttachAsync(context, fixture.App.BaseAddress);
        await customer.SignInWithFormAsync("customer@demo.test");

        await customer.Page.GotoAsync("rooms/general");
        await customer.WaitForRoomAsync("general");
        await customer.Page.GetByTestId("room").GetByTestId("message-list").EvaluateAsync(
            "el => { el.scrollTop = el.scrollHeight; el.dispatchEvent(new Event('scroll')); }");
        await customer.Page.Locator($"[data-testid=message][data-sequence='{Seed.ThreadSequences[^1]}']").GetByTestId("reply-quote").ClickAsync();
        await Expect(customer.Page.GetByTestId("thread-panel").GetByTestId("message")).ToHaveCountAsync(Seed.ThreadSequences.Count);

        await customer.Page.GotoAsync("rooms/billing");
        await Expect(customer.Page.GetByTestId("rules-body")).ToContainTextAsync("</textarea><script>alert(1)</script>");

        await customer.Page.GotoAsync($"tickets/{Seed.MainTicket}");
        await Expect(customer.Page.Locator("[data-testid=ticket-entry][data-kind=PublicReply]")).ToHaveCountAsync(Seed.MainTicketPublicEntries);
        await customer.Page.Locator(".customer-transcript summary").ClickAsync();
        await Expect(customer.Page.GetByTestId("transcript-line").Last).ToBeVisibleAsync();

        await AssertCleanAsync(customer, probe, "without the policy", clock, Seed.ThreadSequences.Count + 1 + Seed.MainTicketPublicEntries + Seed.MainTicketTranscriptLines);
    }

    [Fact]
    public async Task Probe_InjectedMarkupAndMarkerCalls_AreFound()
    {
        // The probe must be able to fail: markup slipped into a message body, and a marker called, are both found.
        await using var session = await BrowserFixture.NewUserAsync(fixture.Browser, fixture.App.BaseAddress);
        var probe = await XssProbe.AttachAsync(session.Context, fixture.App.BaseAddress);
        await session.Page.GotoAsync("signin");
        await probe.AssertCleanAsync(session.Page, "sign-in page");

        await session.Page.EvaluateAsync("""
            () => {
              const body = document.createElement('div');
              body.className = 'message-body';
              body.innerHTML = '<p><img src="x" onerror="alert(1)"><a href="javascript:alert(1)">x</a><b>bold</b></p>';
              document.body.appendChild(body);
            }
            """);
        await session.Page.EvaluateAsync("() => top.__pwned('canary')");

        await probe.WaitForAsync("event handler attribute", TimeSpan.FromSeconds(10));
        await probe.WaitForAsync("javascript: URL in href", TimeSpan.FromSeconds(10));
        await probe.WaitForAsync("<b> in a message body", TimeSpan.FromSeconds(10));
        await probe.WaitForAsync("script ran: __pwned(canary)", TimeSpan.FromSeconds(10));
        // The policy blocks the inline handler, and says so.
        await probe.WaitForAsync("CSP violation: script-src", TimeSpan.FromSeconds(10));
        await Assert.ThrowsAsync<Xunit.Sdk.TrueException>(() => probe.AssertCleanAsync(session.Page, "canary"));

        // Without the policy the same handler runs, and the hooked alert reports it.
        var open = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.App.BaseAddress.ToString(), BypassCSP = true });
        await using var unprotected = new UserSession(open, await open.NewPageAsync());
        var openProbe = await XssProbe.AttachAsync(open, fixture.App.BaseAddress);
        await unprotected.Page.GotoAsync("signin");
        await unprotected.Page.EvaluateAsync("() => { document.body.insertAdjacentHTML('beforeend', '<img src=\"x\" onerror=\"alert(\\'ran\\')\">'); }");
        await openProbe.WaitForAsync("script ran: alert(ran)", TimeSpan.FromSeconds(10));
        Assert.Empty(unprotected.Dialogs);
    }

    /// <summary>
    /// Starts a test on a shared context: whatever the probe found since the last test (pages render live events
    /// between tests, and while the seed ran) fails this one; then the probe starts afresh.
    /// </summary>
    private static (UserSession, XssProbe) Start(UserSession session, XssProbe probe)
    {
        var earlier = probe.Findings;
        probe.Reset();
        Assert.True(earlier.Count == 0, "found before this test:\n" + string.Join("\n", earlier));
        lock (session.Dialogs)
        {
            session.Dialogs.Clear();
        }

        return (session, probe);
    }

    private async Task AssertCleanAsync(UserSession session, XssProbe probe, string surface, Stopwatch clock, int items)
    {
        await probe.AssertCleanAsync(session.Page, surface);
        Assert.Empty(session.Dialogs);
        output.WriteLine($"{surface}: {items} items, 0 findings, {clock.Elapsed.TotalSeconds:F1} s " +
            $"(corpus {XssCorpus.All.Count} payloads, {XssCorpus.DisplayNames.Count} display names; fixture {fixture.StartTime.TotalSeconds:F1} s: {fixture.Timings})");
    }

    /// <summary>Each literal payload's rendered body, where <paramref name="sequenceOf"/> says it was posted, shows exactly its text.</summary>
    private static void AssertLiteralBodies(Rendered rendered, IReadOnlyList<long> sequenceOf, string surface)
    {
        foreach (var (payload, shown) in Literal)
        {
            var index = IndexOf(payload);
            Assert.True(rendered.Bodies.TryGetValue(sequenceOf[index], out var body), $"{surface}: the message of payload {payload} was never rendered");
            Assert.Equal(shown, body.Trim());
        }
    }

    /// <summary>Among <paramref name="bodies"/> (sanitised markdown), each literal payload shows as its text.</summary>
    private static async Task AssertLiteralTextsAsync(ILocator bodies, string surface)
    {
        var texts = (await bodies.AllInnerTextsAsync()).Select(t => t.Trim()).ToHashSet();
        foreach (var (payload, shown) in Literal)
        {
            Assert.True(texts.Contains(shown), $"{surface}: no body shows {shown} (payload {payload})");
        }
    }

    /// <summary>With SUPPORTCOMMUNITY_SCREENSHOT_DIR set, a picture of the page, to look at what the corpus does to it.</summary>
    private static async Task ScreenshotAsync(UserSession session, string name)
    {
        if (Environment.GetEnvironmentVariable("SUPPORTCOMMUNITY_SCREENSHOT_DIR") is { Length: > 0 } dir)
        {
            await session.ScreenshotAsync(Path.Combine(dir, name), fullPage: false);
        }
    }

    private static System.Text.RegularExpressions.Regex Containing(string text) => new(System.Text.RegularExpressions.Regex.Escape(text));

    private static System.Text.RegularExpressions.Regex Exactly(string text) =>
        new("^" + System.Text.RegularExpressions.Regex.Escape(text) + "$");

    private static int IndexOf(string payload)
    {
        for (var i = 0; i < XssCorpus.All.Count; i++)
        {
            if (XssCorpus.All[i].Text == payload)
            {
                return i;
            }
        }

        throw new ArgumentException($"{payload} is not in the corpus.", nameof(payload));
    }

    /// <summary>What a list rendered: each message's body text by sequence, and the authors' names shown.</summary>
    private sealed record Rendered(Dictionary<long, string> Bodies, HashSet<string> Authors)
    {
        public void Add(string[][] rows)
        {
            foreach (var row in rows)
            {
                Bodies[long.Parse(row[0], System.Globalization.CultureInfo.InvariantCulture)] = row[1];
                if (row[2].Length > 0)
                {
                    Authors.Add(row[2]);
                }
            }
        }
    }

    private const string RenderedMessages = """
        el => Array.from(el.querySelectorAll('[data-testid=message]'), m => [
          m.dataset.sequence,
          m.querySelector('[data-testid=message-body]')?.innerText ?? '',
          m.querySelector('[data-testid=message-author]')?.innerText ?? ''])
        """;

    private const string RenderedKey = """
        el => { const m = el.querySelectorAll('[data-testid=message]'); return m.length ? `${m[0].dataset.sequence}-${m[m.length - 1].dataset.sequence}` : ''; }
        """;

    private static async Task<Rendered> CollectAsync(ILocator scope)
    {
        var rendered = new Rendered([], []);
        rendered.Add(await scope.EvaluateAsync<string[][]>(RenderedMessages));
        return rendered;
    }

    /// <summary>
    /// Scrolls a virtualized message list from its top to its bottom until every expected message has been rendered
    /// (the probe checks each row as it is added), collecting what each showed.
    /// </summary>
    private static async Task<Rendered> WalkAsync(IPage page, ILocator list, IReadOnlyCollection<long> expected)
    {
        await Expect(list).ToBeVisibleAsync();
        var scroller = await list.ElementHandleAsync();
        // chat.js watches the list once the view is interactive; before that, nothing loads on scroll and its first
        // pin to the bottom would come in the middle of the walk.
        await page.WaitForFunctionAsync("el => el.__chat !== undefined", scroller, new() { Timeout = 15_000 });
        var rendered = new Rendered([], []);
        var top = true;
        for (var step = 0; step < 200; step++)
        {
            rendered.Add(await scroller.EvaluateAsync<string[][]>(RenderedMessages));
            if (expected.All(rendered.Bodies.ContainsKey))
            {
                return rendered;
            }

            // First to the top (the list opens at its newest message), then down by most of a screen at a time.
            var key = await scroller.EvaluateAsync<string>(RenderedKey);
            // The scroll event is dispatched at once, so that chat.js unpins the list before anything re-renders
            // (a pinned list jumps back to its bottom when its content resizes).
            var moved = await scroller.EvaluateAsync<bool>(
                """
                (el, top) => {
                  const before = el.scrollTop;
                  el.scrollTop = top ? 0 : before + el.clientHeight * 0.8;
                  el.dispatchEvent(new Event('scroll'));
                  return el.scrollTop !== before;
                }
                """,
                top);
            if (!moved && !top)
            {
                break;
            }

            top = false;

            // Virtualize renders the rows that scrolled into view on its next round trip. If the rows in view were
            // all rendered already, nothing changes: the next step goes on.
            try
            {
                await page.WaitForFunctionAsync($"([el, key]) => ({RenderedKey})(el) !== key", new object[] { scroller, key },
                    new() { Timeout = 5_000 });
            }
            catch (TimeoutException)
            {
            }
        }

        var missing = expected.Where(s => !rendered.Bodies.ContainsKey(s)).ToList();
        Assert.Fail($"{missing.Count} of {expected.Count} messages were never rendered: {string.Join(", ", missing.Take(20))}");
        return rendered;
    }
}
