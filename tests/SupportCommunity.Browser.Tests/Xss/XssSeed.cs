using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Conversations;
using SupportCommunity.Events;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;
using SupportCommunity.Notifications;
using SupportCommunity.Tickets;
using SupportCommunity.Web.Tickets;

namespace SupportCommunity.Browser.Tests.Xss;

/// <summary>
/// Puts the corpus on every surface that shows user text, through the app's own services as its users (the same
/// calls the hub, the REST API and the pages make, with their validation and normalisation), in batches:
/// <list type="bullet">
/// <item><c>#general</c>: a customer's question whose thread holds every payload as a reply, from another customer,
///   the members whose display names are payloads, a trusted member and a manager; and a question by a member with a
///   payload name, escalated;</item>
/// <item>a private conversation from that question: every payload from the manager, a few from the customer, and
///   every payload as a staff note; a second conversation that tickets with the payloads as subjects were escalated
///   from (each escalation posts a notice that quotes the subject in markdown);</item>
/// <item>the thread escalated as the main ticket (payload subject and category, the thread as its transcript): every
///   payload as a public reply, the corpus again in a few internal notes, a few customer replies, solved and rated
///   with a payload comment;</item>
/// <item><c>#feedback</c>: every payload from a troll, each reported with a payload reason (some by payload-named
///   reporters) and edited by the manager with a payload reason (the audit's before and after); payload-named
///   members' messages deleted and the members timed out with payload reasons; sends held by automod;</item>
/// <item><c>#billing</c>: rules, a pinned cool-down notice and a lock banner, all payload text.</item>
/// </list>
/// </summary>
public sealed record XssSeed
{
    public const string HoldWord = "xssholdme";

    /// <summary>The members whose display names are payloads, in <see cref="XssCorpus.DisplayNames"/> order.</summary>
    public required IReadOnlyList<Actor> NamedMembers { get; init; }

    public required string ConversationSlug { get; init; }

    public required string NotesSlug { get; init; }

    public required string SubjectConversationSlug { get; init; }

    public required long ThreadRoot { get; init; }

    /// <summary>Every message of #general's payload thread (the root, the replies, the escalation notice).</summary>
    public required IReadOnlyList<long> ThreadSequences { get; init; }

    /// <summary>The thread reply, the manager's private message and the staff note of each payload, in corpus order.</summary>
    public required IReadOnlyList<long> ReplyOf { get; init; }

    public required IReadOnlyList<long> PrivateMessageOf { get; init; }

    public required IReadOnlyList<long> NoteOf { get; init; }

    /// <summary>Every message posted in #general by this seed.</summary>
    public required IReadOnlyList<long> GeneralSequences { get; init; }

    public required IReadOnlyList<long> ConversationSequences { get; init; }

    public required IReadOnlyList<long> NoteSequences { get; init; }

    public required IReadOnlyList<long> SubjectConversationSequences { get; init; }

    public required int MainTicket { get; init; }

    public required int NamedRequesterTicket { get; init; }

    /// <summary>A ticket whose subject holds each payload.</summary>
    public required IReadOnlyDictionary<string, int> SubjectTicketOf { get; init; }

    public required int CustomerNotifications { get; init; }

    /// <summary>The customer's tickets (My tickets), and the desk's unresolved ones (its default view).</summary>
    public required int CustomerTickets { get; init; }

    public required int DeskTickets { get; init; }

    public required int QueueReports { get; init; }

    public required int QueueHeld { get; init; }

    public required int AuditEntries { get; init; }

    public required int MainTicketEntries { get; init; }

    public required int MainTicketPublicEntries { get; init; }

    public required int MainTicketTranscriptLines { get; init; }

    public required string RulesMarkdown { get; init; }

    public required string LockMessage { get; init; }

    public required string PinnedNotice { get; init; }

    /// <summary>How long each part of the seed took, for the test output.</summary>
    public required string Timings { get; init; }

    public static async Task<XssSeed> RunAsync(IServiceProvider services)
    {
        var phases = new Phases();
        var corpus = XssCorpus.All.Select(p => p.Text).ToList();
        var users = new Users(services);
        var customer = await users.DemoAsync("customer@demo.test");
        var troll = await users.DemoAsync("customer2@demo.test");
        var manager = await users.DemoAsync("manager@demo.test");
        var member = await users.DemoAsync("member@demo.test");
        var named = new List<Actor>();
        for (var i = 0; i < XssCorpus.DisplayNames.Count; i++)
        {
            named.Add(await users.CreateAsync($"xss-name-{i}@demo.test", XssCorpus.DisplayNames[i]));
        }

        var messages = services.GetRequiredService<MessageService>();
        var conversations = services.GetRequiredService<ConversationService>();
        var escalation = services.GetRequiredService<EscalationService>();
        var tickets = services.GetRequiredService<TicketService>();
        var queue = services.GetRequiredService<ModerationQueueService>();
        var sanctions = services.GetRequiredService<SanctionService>();
        var controls = services.GetRequiredService<RoomControlService>();
        var automod = services.GetRequiredService<AutomodService>();
        var notifications = services.GetRequiredService<NotificationService>();
        var audit = services.GetRequiredService<AuditService>();
        var bus = services.GetRequiredService<IRoomEventBus>();

        // The customer's bell fills from the message events in the background: count them as they are added.
        var messageNotifications = 0;
        var expectedNotifications = int.MaxValue;
        var bellSettled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var bell = bus.Subscribe(UserChannel.For(customer.UserId), e =>
        {
            if (e is NotificationAdded { Notification.Kind: not NotificationKind.Ticket }
                && Interlocked.Increment(ref messageNotifications) >= Volatile.Read(ref expectedNotifications))
            {
                bellSettled.TrySetResult();
            }

            return Task.CompletedTask;
        });

        Task<MessageDto> Send(Actor actor, string room, string body, long? replyTo = null) =>
            messages.SendAsync(actor, room, Guid.NewGuid(), body, replyTo);

        phases.Lap("users");
        // #general: the payload thread. Its replies come from everyone but the customer, who is notified of each.
        Actor[] repliers = [troll, .. named, member, manager];
        var root = await Send(customer, "general", corpus[0]);
        var replies = await Task.WhenAll(corpus.Select((text, i) => Send(repliers[i % repliers.Length], "general", text, root.Sequence)));
        var namedQuestion = await Send(named[0], "general", corpus[^1]);

        // The payload-named members are "in" #general: the online bar lists them.
        var presence = services.GetRequiredService<Presence.PresenceTracker>();
        foreach (var person in named)
        {
            await presence.EnterAsync("general", "xss-" + person.UserId, new Presence.PresenceUser(person.UserId, person.DisplayName, person.PrimaryRole));
        }

        phases.Lap("thread");
        // Private conversations opened from the customer's question (one for the payloads, one for the subjects).
        var conversation = await conversations.OpenAsync(manager, "general", root.Sequence);
        var fromStaff = await Task.WhenAll(corpus.Select(text => Send(manager, conversation.Slug, text)));
        await Task.WhenAll(corpus.Take(5).Select(text => Send(customer, conversation.Slug, text)));
        var notes = await Task.WhenAll(corpus.Select(text => Send(manager, conversation.NotesSlug!, text)));
        var second = await Send(customer, "general", "A second question, answered privately.");
        var subjectConversation = await conversations.OpenAsync(manager, "general", second.Sequence);
        var subjectHello = await Send(manager, subjectConversation.Slug, "Hello again: tickets follow.");

        phases.Lap("conversations");
        // The escalations that need a number first, one at a time: the main ticket (the payload thread, with a
        // payload subject and category) and a ticket whose requester's display name is a payload (its notice quotes
        // the name in markdown).
        var main = (await escalation.EscalateAsync(manager, new EscalateRequest(
            "general", root.Sequence, Subject: "<img src=x onerror=alert(1)> \"><script>alert(1)</script>",
            Category: "<svg onload=alert(1)>"))).Ticket;
        var namedTicket = (await escalation.EscalateAsync(manager, new EscalateRequest("general", namedQuestion.Sequence, Subject: "Question from a member"))).Ticket;
        phases.Lap("escalations");

        // Then four independent lanes at once (each one's writes are ordered; they touch different rows).
        async Task<(TicketDto Desk, TicketDto Customer)> MainTicketAsync()
        {
            foreach (var text in corpus)
            {
                await tickets.ReplyAsync(manager, main.Number, text);
            }

            // Notes go through the same rendering as replies: the corpus in a few notes, a paragraph per payload.
            foreach (var note in Pack(corpus, "\n\n", 9, MessageLimitsDefaults.MaxBodyLength))
            {
                await tickets.ReplyAsync(manager, main.Number, note, internalNote: true);
            }

            foreach (var text in corpus.Take(5))
            {
                await tickets.ReplyAsync(customer, main.Number, text);
            }

            var current = await tickets.GetAsync(manager, main.Number);
            await tickets.ChangeStatusAsync(manager, main.Number, TicketStatus.Solved, current.Version);
            await tickets.RateAsync(customer, main.Number, 2, "<img src=x onerror=alert(1)> [rate](javascript:alert(1))");
            return (await tickets.GetAsync(manager, main.Number), await tickets.GetAsync(customer, main.Number));
        }

        // Tickets whose subjects hold the whole corpus (as many payloads as fit in one line), escalated from the
        // second conversation: each escalation posts a notice there that quotes the subject inside markdown.
        async Task<Dictionary<string, int>> SubjectTicketsAsync()
        {
            var subjectTickets = new Dictionary<string, int>();
            foreach (var subject in Pack(corpus, " ", int.MaxValue, TicketOptions.MaxSubjectLength))
            {
                var ticket = await escalation.EscalateAsync(manager, new EscalateRequest(
                    subjectConversation.Slug, null, subject, IncludeSequences: [subjectHello.Sequence], Force: true));
                foreach (var text in corpus.Where(subject.Contains))
                {
                    subjectTickets.TryAdd(text, ticket.Ticket.Number);
                }
            }

            return subjectTickets;
        }

        // #feedback: the troll's payloads, reported with payload reasons (some by payload-named reporters) and edited
        // by the manager with payload reasons; sends held by automod; the payload-named members' messages deleted
        // with payload reasons, and the members timed out with payload reasons.
        async Task<int> FeedbackAsync()
        {
            var trolled = await Task.WhenAll(corpus.Select(text => Send(troll, "feedback", text)));
            for (var i = 0; i < trolled.Length; i++)
            {
                await queue.ReportAsync(customer, trolled[i].Id, Reason(corpus[(i + 1) % corpus.Count]));
                if (i < named.Count)
                {
                    await queue.ReportAsync(named[i], trolled[i].Id, Reason(corpus[(i + 2) % corpus.Count]));
                }
            }

            for (var i = 0; i < trolled.Length; i++)
            {
                await messages.ModerateEditAsync(manager, trolled[i].Id, corpus[(i + 3) % corpus.Count], Reason(corpus[i]));
            }

            await automod.CreateAsync(manager, new AutomodRuleInput("xss hold", HoldWord, IsRegex: false, AutomodAction.Hold, Replacement: null));
            var held = 0;
            foreach (var text in corpus.Take(8))
            {
                try
                {
                    await Send(troll, "feedback", $"{HoldWord} {text}");
                }
                catch (CommunityException ex) when (ex.Error == CommunityError.Held)
                {
                    held++;
                }
            }

            for (var i = 0; i < named.Count; i++)
            {
                var posted = await Send(named[i], "feedback", $"Posted by a payload-named member {i}");
                await messages.ModerateDeleteAsync(manager, posted.Id, Reason(corpus[(i + 4) % corpus.Count]));
                await sanctions.TimeoutAsync(manager, named[i].UserId, TimeSpan.FromHours(1), Reason(corpus[(i + 5) % corpus.Count]));
            }

            return held;
        }

        // #billing: a cool-down notice (pinned), rules and a lock banner, all payloads.
        var pinned = Join(corpus.Skip(10), MessageLimitsDefaults.MaxBodyLength);
        // Rules are stored as typed (not normalised like messages), and a NUL makes Markdig and the sanitiser drop
        // everything after it: the rules get the payloads as a message would store them, so all of them show.
        var rules = Join(corpus.Select(text => MessageText.Normalize(text, MessageLimitsDefaults.MaxBodyLength)), MessageLimitsDefaults.MaxBodyLength);
        const string lockMessage = "\"><img src=x onerror=alert(1)> </div><script>alert(1)</script> [x](javascript:alert(1)) <scr\0ipt>";
        async Task BillingAsync()
        {
            await controls.CoolDownAsync(manager, "billing", seconds: null, pinned);
            await controls.SetRulesAsync(manager, "billing", rules);
            await controls.LockAsync(manager, "billing", lockMessage);
        }

        var mainLane = MainTicketAsync();
        var subjectLane = SubjectTicketsAsync();
        var feedbackLane = FeedbackAsync();
        await Task.WhenAll(mainLane, subjectLane, feedbackLane, BillingAsync());
        var (mainTicket, customerView) = await mainLane;
        var subjectTickets = await subjectLane;
        var held = await feedbackLane;

        phases.Lap("lanes");
        // Every message notification for the customer is in: thread replies and staff's private messages.
        var conversationAfter = await messages.GetHistoryAsync(customer, conversation.Slug, null, 100);
        var subjectAfter = await messages.GetHistoryAsync(customer, subjectConversation.Slug, null, 100);
        var threadAfter = await messages.GetThreadAsync(customer, "general", root.Sequence);
        Volatile.Write(ref expectedNotifications,
            threadAfter.Replies.Count(m => m.AuthorId != customer.UserId)
            + conversationAfter.Messages.Count(m => m.AuthorId != customer.UserId)
            + subjectAfter.Messages.Count(m => m.AuthorId != customer.UserId));
        if (Volatile.Read(ref messageNotifications) >= Volatile.Read(ref expectedNotifications))
        {
            bellSettled.TrySetResult();
        }

        await bellSettled.Task.WaitAsync(TimeSpan.FromSeconds(60));

        phases.Lap("bell");
        var generalAfter = await messages.GetHistoryAsync(customer, "general", null, 100);
        var ours = generalAfter.Messages.Where(m => m.Sequence >= root.Sequence).Select(m => m.Sequence).ToList();
        var seed = new XssSeed
        {
            NamedMembers = named,
            ConversationSlug = conversation.Slug,
            NotesSlug = conversation.NotesSlug!,
            SubjectConversationSlug = subjectConversation.Slug,
            ThreadRoot = root.Sequence,
            ThreadSequences = [root.Sequence, .. threadAfter.Replies.Select(m => m.Sequence)],
            ReplyOf = [.. replies.Select(m => m.Sequence)],
            PrivateMessageOf = [.. fromStaff.Select(m => m.Sequence)],
            NoteOf = [.. notes.Select(m => m.Sequence)],
            GeneralSequences = ours,
            ConversationSequences = [.. conversationAfter.Messages.Select(m => m.Sequence)],
            NoteSequences = [.. notes.Select(m => m.Sequence)],
            SubjectConversationSequences = [.. subjectAfter.Messages.Select(m => m.Sequence)],
            MainTicket = main.Number,
            NamedRequesterTicket = namedTicket.Number,
            SubjectTicketOf = subjectTickets,
            CustomerNotifications = await CountAsync(notifications, customer),
            CustomerTickets = await CountAsync(cursor => tickets.ListMineAsync(customer, cursor)),
            DeskTickets = await CountAsync(cursor => tickets.ListDeskAsync(manager, new TicketQuery(Statuses: [.. TicketText.Unresolved], Cursor: cursor))),
            QueueReports = (await queue.GetAsync(manager)).Reports.Count,
            QueueHeld = held,
            AuditEntries = await CountAsync(audit, manager),
            MainTicketEntries = mainTicket.Timeline.Count(e => e.Kind is TicketEntryKind.PublicReply or TicketEntryKind.InternalNote),
            MainTicketPublicEntries = customerView.Timeline.Count(e => e.Kind == TicketEntryKind.PublicReply),
            MainTicketTranscriptLines = mainTicket.Transcript.Count,
            RulesMarkdown = rules,
            LockMessage = lockMessage,
            PinnedNotice = pinned,
            Timings = "",
        };
        phases.Lap("counts");
        return seed with { Timings = phases.ToString() };

        static string Reason(string text) =>
            text.Length < ModerationQueueService.MinReason ? text + " …" : text[..Math.Min(text.Length, ModerationQueueService.MaxReason)];
    }

    /// <summary>The texts in order, in groups of at most <paramref name="count"/> and <paramref name="limit"/> characters.</summary>
    private static IEnumerable<string> Pack(IEnumerable<string> texts, string separator, int count, int limit)
    {
        var group = new List<string>();
        foreach (var text in texts)
        {
            if (group.Count > 0 && (group.Count == count || string.Join(separator, [.. group, text]).Length > limit))
            {
                yield return string.Join(separator, group);
                group.Clear();
            }

            group.Add(text);
        }

        if (group.Count > 0)
        {
            yield return string.Join(separator, group);
        }
    }

    /// <summary>As many payloads as fit in <paramref name="limit"/> characters, a paragraph each.</summary>
    private static string Join(IEnumerable<string> texts, int limit)
    {
        var joined = "";
        foreach (var text in texts)
        {
            var next = joined.Length == 0 ? text : joined + "\n\n" + text;
            if (next.Length > limit)
            {
                break;
            }

            joined = next;
        }

        return joined;
    }

    private static async Task<int> CountAsync(NotificationService notifications, Actor actor)
    {
        var count = 0;
        long? before = null;
        while (true)
        {
            var page = await notifications.ListAsync(actor, before);
            count += page.Items.Count;
            if (!page.HasMore || page.Items.Count == 0)
            {
                return count;
            }

            before = page.Items[^1].Id;
        }
    }

    private static async Task<int> CountAsync(Func<string?, Task<TicketPage>> list)
    {
        var count = 0;
        string? cursor = null;
        do
        {
            var page = await list(cursor);
            count += page.Items.Count;
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return count;
    }

    private static async Task<int> CountAsync(AuditService audit, Actor actor)
    {
        var count = 0;
        long? before = null;
        while (true)
        {
            var page = await audit.ListAsync(actor, new AuditFilter(), before, AuditService.MaxPageSize);
            count += page.Entries.Count;
            if (page.NextBefore is null)
            {
                return count;
            }

            before = page.NextBefore;
        }
    }

    private sealed class Phases
    {
        private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
        private readonly List<string> _laps = [];

        public void Lap(string name)
        {
            _laps.Add($"{name} {_clock.Elapsed.TotalSeconds:F1} s");
            _clock.Restart();
        }

        public override string ToString() => string.Join(", ", _laps);
    }

    /// <summary>Demo accounts, and new members created as sign-up does (display name normalised, customer role).</summary>
    private sealed class Users(IServiceProvider services)
    {
        private readonly ActorDirectory _actors = services.GetRequiredService<ActorDirectory>();

        public async Task<Actor> DemoAsync(string email)
        {
            using var scope = services.CreateScope();
            var user = await scope.ServiceProvider.GetRequiredService<UserManager<CommunityUser>>().FindByEmailAsync(email)
                ?? throw new InvalidOperationException($"The demo account {email} is missing.");
            return await _actors.GetAsync(user.Id, user.DisplayName);
        }

        public async Task<Actor> CreateAsync(string email, string displayName)
        {
            using var scope = services.CreateScope();
            var manager = scope.ServiceProvider.GetRequiredService<UserManager<CommunityUser>>();
            var user = new CommunityUser
            {
                UserName = email,
                Email = email,
                EmailConfirmed = true,
                DisplayName = MessageText.Normalize(displayName, MessageLimitsDefaults.DisplayNameLength),
                CreatedAt = DateTimeOffset.UtcNow.AddDays(-30),
            };
            // No password: these members never sign in, and hashing one costs a while on a busy machine.
            Check(await manager.CreateAsync(user), email);
            Check(await manager.AddToRoleAsync(user, CommunityRoles.Customer), email);
            return await _actors.GetAsync(user.Id, user.DisplayName);
        }

        private static void Check(IdentityResult result, string email)
        {
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"Creating {email}: " + string.Join("; ", result.Errors.Select(e => e.Description)));
            }
        }
    }
}
