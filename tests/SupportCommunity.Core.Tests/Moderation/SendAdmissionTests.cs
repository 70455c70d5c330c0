using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;
using SupportCommunity.Rooms;

namespace SupportCommunity.Core.Tests.Moderation;

/// <summary>
/// The admission step of a send against a real SQLite database and a manual clock: every refusal is clear and stores
/// nothing (no message, no sequence), and staff and the room's moderators pass.
/// </summary>
public sealed class SendAdmissionTests : IAsyncLifetime
{
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    private readonly CommunityDatabase _database;
    private Actor _customer = default!;
    private Actor _trusted = default!;
    private Actor _manager = default!;
    private Actor _moderator = default!;
    private Room _room = default!;

    public SendAdmissionTests() => _database = new CommunityDatabase(new()
    {
        ["Limits:FloodMessages"] = "1000",
        ["Limits:TrustedFloodMessages"] = "1000",
        ["Limits:FloodSpacing"] = "00:00:00",
    })
    {
        ConfigureServices = services => services.AddSingleton<TimeProvider>(_clock),
    };

    private MessageService Messages => _database.Get<MessageService>();

    private RoomControlService Controls => _database.Get<RoomControlService>();

    private AutomodService Automod => _database.Get<AutomodService>();

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        _room = await _database.AddRoomAsync("general");
        _customer = await _database.AddUserAsync("Jordan", CommunityRoles.Customer);
        _trusted = await _database.AddUserAsync("Sam", CommunityRoles.TrustedMember);
        _manager = await _database.AddUserAsync("Maya", CommunityRoles.CommunityManager);
        _moderator = await _database.AddUserAsync("Riley", CommunityRoles.VolunteerModerator);
        await using var db = await _database.CreateDbContextAsync();
        db.RoomModerators.Add(new RoomModerator { RoomId = _room.Id, UserId = _moderator.UserId });
        // Established members: older than the new-member link limit.
        await db.Users.Where(u => u.Id != "").ExecuteUpdateAsync(s => s.SetProperty(u => u.CreatedAt, _clock.GetUtcNow().AddDays(-3)));
        await db.SaveChangesAsync();
    }

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task SendAsync_SlowModeOn_SecondMessageRefusedWithRemainingTimeAndStoresNothing()
    {
        await Controls.SetSlowModeAsync(_manager, "general", 30, "heated thread");
        await Send(_customer, "first");
        _clock.Advance(TimeSpan.FromSeconds(12));

        var refusal = await RefusedAsync(_customer, "second", CommunityError.TooManyRequests);

        Assert.Equal("Slow mode is on: you can post again in 18 s.", refusal.Message);
        Assert.Equal(TimeSpan.FromSeconds(18), refusal.RetryAfter);
        _clock.Advance(TimeSpan.FromSeconds(18));
        await Send(_customer, "second");
    }

    [Fact]
    public async Task SendAsync_SlowModeOn_StaffAndTheRoomsModeratorAreExempt()
    {
        await Controls.SetSlowModeAsync(_manager, "general", 60, null);

        foreach (var actor in new[] { _manager, _moderator })
        {
            await Send(actor, "one " + actor.DisplayName);
            await Send(actor, "two " + actor.DisplayName);
        }
    }

    [Fact]
    public async Task SendAsync_RetryOfAStoredSendDuringSlowMode_ReturnsTheStoredMessage()
    {
        await Controls.SetSlowModeAsync(_manager, "general", 60, null);
        var first = await Send(_customer, "first");

        var retry = await Messages.SendAsync(_customer, "general", first.ClientMessageId, "first");

        Assert.Equal(first, retry);
    }

    [Fact]
    public async Task SendAsync_RoomLocked_MembersRefusedWithBannerStaffPostUnlockReopens()
    {
        await Controls.LockAsync(_manager, "general", "Back after the release at 15:00.");

        var refusal = await RefusedAsync(_trusted, "hello?", CommunityError.Forbidden);
        Assert.Equal("#general is locked: only staff can post. Back after the release at 15:00.", refusal.Message);
        await Send(_manager, "Release notes coming up.");

        await Controls.UnlockAsync(_manager, "general");
        await Send(_trusted, "hello again");
    }

    [Fact]
    public async Task SendAsync_RulesNotAccepted_RefusedUntilTheCurrentVersionIsAccepted()
    {
        var rules = await Controls.SetRulesAsync(_manager, "general", "1. Be kind.\n2. No spam.");
        Assert.False((await Controls.GetRulesAsync(_customer, "general")).Accepted);
        Assert.True((await Controls.GetRulesAsync(_manager, "general")).Accepted);

        var refusal = await RefusedAsync(_customer, "hi", CommunityError.Forbidden);
        Assert.Equal("Accept the rules of #general to post.", refusal.Message);

        Assert.True((await Controls.AcceptRulesAsync(_customer, "general", rules.Version)).Accepted);
        await Send(_customer, "hi");

        // Changed rules are asked for again; accepting an old version is refused.
        var changed = await Controls.SetRulesAsync(_manager, "general", "1. Be kind.\n2. No spam.\n3. English please.");
        Assert.Equal(rules.Version + 1, changed.Version);
        await RefusedAsync(_customer, "hi again", CommunityError.Forbidden);
        var stale = await Assert.ThrowsAsync<CommunityException>(() => Controls.AcceptRulesAsync(_customer, "general", rules.Version));
        Assert.Equal(CommunityError.Conflict, stale.Error);
        await Controls.AcceptRulesAsync(_customer, "general", changed.Version);
        await Send(_customer, "hi again");
    }

    [Theory]
    [InlineData("see https://example.com/deal")]
    [InlineData("see http://example.com")]
    [InlineData("go to www.example.com now")]
    [InlineData("a [cheap deal](example.com) for you")]
    public async Task SendAsync_LinkFromANewMember_IsRefusedUntilTheAccountIsOldEnough(string text)
    {
        var newcomer = await _database.AddUserAsync("Newcomer", CommunityRoles.Customer);
        await SetCreatedAsync(newcomer, _clock.GetUtcNow().AddMinutes(-3));

        var refusal = await RefusedAsync(newcomer, text, CommunityError.Forbidden);

        Assert.Contains("New members can post links after their first 10 minutes", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("try again in 7 min", refusal.Message, StringComparison.Ordinal);
        await Send(newcomer, "no link here, www is fine as a word");
        _clock.Advance(TimeSpan.FromMinutes(7));
        await Send(newcomer, text);
    }

    [Fact]
    public async Task SendAsync_LinkFromANewTrustedMember_IsPosted()
    {
        await SetCreatedAsync(_trusted, _clock.GetUtcNow());
        await Send(_trusted, "the guide: https://example.com/guide");
    }

    [Fact]
    public async Task SendAsync_SameTextTwiceWithinTheWindow_SecondRefusedAsDuplicateRetryIsNot()
    {
        var first = await Send(_customer, "Is sync down?");

        var refusal = await RefusedAsync(_customer, "Is sync down?", CommunityError.Conflict);
        Assert.Equal("You just sent that.", refusal.Message);

        // A retry with the same clientMessageId is the same send, answered with the stored message.
        Assert.Equal(first, await Messages.SendAsync(_customer, "general", first.ClientMessageId, "Is sync down?"));

        // Others may say the same; and after the window, so may the sender.
        await Send(_trusted, "Is sync down?");
        _clock.Advance(TimeSpan.FromSeconds(31));
        await Send(_customer, "Is sync down?");
    }

    [Fact]
    public async Task SendAsync_SameTextInAnotherCaseOrAfterItsDeletion_IsNoDuplicate()
    {
        var first = await Send(_customer, "Is sync down?");

        // The database compares the text; the exact comparison is ours (a collation may ignore case).
        await Send(_customer, "IS SYNC DOWN?");
        await RefusedAsync(_customer, "IS SYNC DOWN?", CommunityError.Conflict);

        // A message its author deleted is no reason to refuse saying it again.
        await Messages.DeleteAsync(_customer, first.Id);
        await Send(_customer, "Is sync down?");
        await RefusedAsync(_customer, "Is sync down?", CommunityError.Conflict);
    }

    [Fact]
    public async Task SendAsync_ManyMembersAtOnce_DuplicatesAndSlowModeStillHoldForEach()
    {
        // Admission's reads run on a few contexts kept open and lent one at a time: many sends at once share them
        // without mixing one sender's reads into another's.
        var members = new List<Actor>();
        for (var i = 0; i < 12; i++)
        {
            members.Add(await _database.AddUserAsync($"Member {i}", CommunityRoles.Customer));
        }

        await using (var db = await _database.CreateDbContextAsync())
        {
            await db.Users.Where(u => u.Id != "").ExecuteUpdateAsync(s => s.SetProperty(u => u.CreatedAt, _clock.GetUtcNow().AddDays(-3)));
        }

        await Task.WhenAll(members.Select(m => Send(m, $"first from {m.DisplayName}")));
        var again = await Task.WhenAll(members.Select(async m =>
            (await Record.ExceptionAsync(() => Send(m, $"first from {m.DisplayName}")) as CommunityException)?.Error));
        Assert.All(again, error => Assert.Equal(CommunityError.Conflict, error));

        await Controls.SetSlowModeAsync(_manager, "general", 30, "busy");
        var slowed = await Task.WhenAll(members.Select(async m =>
            (await Record.ExceptionAsync(() => Send(m, $"second from {m.DisplayName}")) as CommunityException)?.Error));
        Assert.All(slowed, error => Assert.Equal(CommunityError.TooManyRequests, error));
    }

    [Fact]
    public async Task SendAsync_BlockRule_RefusedWithoutNamingTheWord()
    {
        await Automod.CreateAsync(_manager, new AutomodRuleInput("slurs", "badword, worse word", IsRegex: false, AutomodAction.Block, null));

        var refusal = await RefusedAsync(_customer, "you BADWORD", CommunityError.Invalid);

        Assert.Equal("Your message contains a blocked word.", refusal.Message);
        Assert.DoesNotContain("badword", refusal.Message, StringComparison.OrdinalIgnoreCase);
        await Send(_customer, "badwords are part of a longer word, so this passes");
        await Send(_manager, "staff may quote badword when explaining the rule");
    }

    [Fact]
    public async Task SendAsync_HoldRule_StoresAHeldMessageOnceAndNothingInTheRoom()
    {
        await Automod.CreateAsync(_manager, new AutomodRuleInput("crypto", @"\bcrypto\w*", IsRegex: true, AutomodAction.Hold, null));
        var id = Guid.NewGuid();
        var before = await RoomStateAsync();

        var held = await Assert.ThrowsAsync<CommunityException>(() => Messages.SendAsync(_customer, "general", id, "Buy cryptocoins now"));
        var again = await Assert.ThrowsAsync<CommunityException>(() => Messages.SendAsync(_customer, "general", id, "Buy cryptocoins now"));

        Assert.Equal(CommunityError.Held, held.Error);
        Assert.Equal("Your message is waiting for a moderator's review.", held.Message);
        Assert.Equal(CommunityError.Held, again.Error);
        Assert.Equal(before with { Held = 1 }, await RoomStateAsync());
        await using var db = await _database.CreateDbContextAsync();
        var stored = Assert.Single(await db.HeldMessages.ToListAsync());
        Assert.Equal((_customer.UserId, id, "Buy cryptocoins now", "crypto", HeldStatus.Pending, _room.Id),
            (stored.AuthorId, stored.ClientMessageId, stored.Body, stored.Rule, stored.Status, stored.RoomId));
    }

    [Fact]
    public async Task SendAsync_FlagRule_PostsAndReportsToTheQueueAsAutomod()
    {
        await Automod.CreateAsync(_manager, new AutomodRuleInput("refunds", "refund", IsRegex: false, AutomodAction.Flag, null));

        var message = await Send(_customer, "I want a refund right now");

        await using var db = await _database.CreateDbContextAsync();
        var report = Assert.Single(await db.Reports.ToListAsync());
        Assert.Equal((message.Id, _room.Id, MessageService.AutomodReporter, "automod: refunds", SupportCommunity.Moderation.ReportStatus.Open),
            (report.MessageId, report.RoomId, report.ReporterId, report.Reason, report.Status));
    }

    [Fact]
    public async Task SendAsync_ReplaceRule_StoresTheTextWithMatchesReplaced()
    {
        await Automod.CreateAsync(_manager, new AutomodRuleInput("mild", "darn", IsRegex: false, AutomodAction.Replace, "***"));

        var message = await Send(_customer, "Darn, the darn sync again");

        Assert.Equal("***, the *** sync again", message.Body);
    }

    [Fact]
    public async Task SendAsync_CatastrophicRegex_TimesOutQuicklyCountsAsNoMatchAndPosts()
    {
        await Automod.CreateAsync(_manager, new AutomodRuleInput("evil", "(a+)+$", IsRegex: true, AutomodAction.Block, null));
        var text = new string('a', 3000) + "!";
        var verdict = await _database.Get<AutomodEngine>().EvaluateAsync(text);
        Assert.Equal(["evil"], verdict.TimedOut);

        var watch = Stopwatch.StartNew();
        var message = await Send(_customer, text);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"the send took {watch.Elapsed}");
        Assert.Equal(text, message.Body);
    }

    [Fact]
    public async Task AutomodService_InvalidRegexOrNonManager_IsRefusedAndNothingSaved()
    {
        var invalid = await Assert.ThrowsAsync<CommunityException>(() =>
            Automod.CreateAsync(_manager, new AutomodRuleInput("broken", "(unclosed", IsRegex: true, AutomodAction.Block, null)));
        Assert.Equal(CommunityError.Invalid, invalid.Error);
        Assert.StartsWith("The pattern is not a valid regular expression", invalid.Message, StringComparison.Ordinal);

        foreach (var actor in new[] { _customer, _trusted, _moderator })
        {
            var refusal = await Assert.ThrowsAsync<CommunityException>(() =>
                Automod.CreateAsync(actor, new AutomodRuleInput("x", "x", IsRegex: false, AutomodAction.Block, null)));
            Assert.Equal(CommunityError.Forbidden, refusal.Error);
        }

        await using var db = await _database.CreateDbContextAsync();
        Assert.Equal(0, await db.AutomodRules.CountAsync());
        // The log holds the attempts beyond the members' rights, and nothing else.
        var audit = await db.AuditEntries.OrderBy(e => e.Id).ToListAsync();
        Assert.Equal([_customer.UserId, _trusted.UserId, _moderator.UserId], audit.Select(e => e.ActorId));
        Assert.All(audit, e => Assert.Equal(
            (AuditActions.AccessDenied, "Only community managers and admins can manage automod rules.", "tried " + AuditActions.AutomodRuleChange),
            (e.Action, e.Reason, e.After)));
    }

    [Fact]
    public async Task AutomodService_DisableRule_AuditedAndNoLongerApplied()
    {
        var rule = await Automod.CreateAsync(_manager, new AutomodRuleInput("spam", "spam", IsRegex: false, AutomodAction.Block, null));
        await RefusedAsync(_customer, "spam spam", CommunityError.Invalid);

        await Automod.UpdateAsync(_manager, rule.Id, new AutomodRuleInput("spam", "spam", IsRegex: false, AutomodAction.Block, null, Enabled: false));

        await Send(_customer, "spam spam");
        await using var db = await _database.CreateDbContextAsync();
        var audit = await db.AuditEntries.Where(e => e.Action == AuditActions.AutomodRuleChange).OrderBy(e => e.Id).ToListAsync();
        Assert.Equal(["rule added", "rule disabled"], audit.Select(e => e.Reason));
        Assert.EndsWith("(disabled)", audit[^1].After, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RoomControls_EveryChange_IsAuditedWithBeforeAndAfter()
    {
        await Controls.SetSlowModeAsync(_moderator, "general", 10, "tempers");
        await Controls.LockAsync(_manager, "general", "Maintenance");
        await Controls.UnlockAsync(_manager, "general");
        var cooled = await Controls.CoolDownAsync(_moderator, "general", null, "Please keep it civil.");
        await Controls.SetRulesAsync(_moderator, "general", "Be kind.");

        Assert.Equal(30, cooled.SlowModeSeconds);
        Assert.Equal("Please keep it civil.", cooled.Pinned?.Body);
        await using var db = await _database.CreateDbContextAsync();
        var audit = await db.AuditEntries.OrderBy(e => e.Id).ToListAsync();
        Assert.Equal(
            [AuditActions.RoomSlowMode, AuditActions.RoomLock, AuditActions.RoomUnlock, AuditActions.RoomCoolDown, AuditActions.RoomRules],
            audit.Select(e => e.Action));
        Assert.All(audit, e => Assert.Equal(_room.Id, e.RoomId));
        Assert.Equal(("tempers", "slow mode off", "slow mode 10 s"), (audit[0].Reason, audit[0].Before, audit[0].After));
        Assert.Equal(_moderator.UserId, audit[3].ActorId);
        Assert.Equal("slow mode 30 s; pinned message " + cooled.Pinned!.Sequence, audit[3].After);
        Assert.Equal("Be kind.", audit[4].After);
    }

    [Fact]
    public async Task RoomControls_OutsideTheirRoomOrWithoutTheRole_AreRefusedAndNothingChanges()
    {
        var other = await _database.AddRoomAsync("billing");
        var agent = await _database.AddUserAsync("Alex", CommunityRoles.SupportAgent);
        foreach (var (actor, slug) in new[] { (_customer, "general"), (_trusted, "general"), (agent, "general"), (_moderator, "billing") })
        {
            var refusal = await Assert.ThrowsAsync<CommunityException>(() => Controls.LockAsync(actor, slug, "nope"));
            Assert.Equal(CommunityError.Forbidden, refusal.Error);
            await Assert.ThrowsAsync<CommunityException>(() => Controls.SetSlowModeAsync(actor, slug, 60, null));
            await Assert.ThrowsAsync<CommunityException>(() => Controls.SetRulesAsync(actor, slug, "mine now"));
            await Assert.ThrowsAsync<CommunityException>(() => Controls.CoolDownAsync(actor, slug, null, null));
        }

        await using var db = await _database.CreateDbContextAsync();
        Assert.All(await db.Rooms.ToListAsync(), r => Assert.Equal((0, null, null, 0, 0L), (r.SlowModeSeconds, r.LockedAt, r.Rules, r.RulesVersion, r.LastSequence)));
        // Each attempt beyond the member's rights is in the log, by them, with the refusal: nothing else is.
        var audit = await db.AuditEntries.ToListAsync();
        Assert.Equal(16, audit.Count);
        Assert.All(audit, e => Assert.Equal(AuditActions.AccessDenied, e.Action));
        Assert.Contains(audit, e => e.ActorId == _moderator.UserId && e.RoomId == other.Id && e.After == "tried " + AuditActions.RoomLock
            && e.Reason == "Only community managers, admins and the moderators of #billing can change its settings and rules.");
        Assert.NotEqual(_room.Id, other.Id);
    }

    private async Task<MessageDto> Send(Actor actor, string text) =>
        await Messages.SendAsync(actor, "general", Guid.NewGuid(), text);

    /// <summary>Sends, expects the refusal, and checks that nothing was stored.</summary>
    private async Task<CommunityException> RefusedAsync(Actor actor, string text, CommunityError error)
    {
        var before = await RoomStateAsync();
        var refusal = await Assert.ThrowsAsync<CommunityException>(() => Messages.SendAsync(actor, "general", Guid.NewGuid(), text));
        Assert.Equal(error, refusal.Error);
        Assert.Equal(before, await RoomStateAsync());
        return refusal;
    }

    private async Task<(long LastSequence, int Messages, int Held)> RoomStateAsync()
    {
        await using var db = await _database.CreateDbContextAsync();
        var last = await db.Rooms.Where(r => r.Id == _room.Id).Select(r => r.LastSequence).SingleAsync();
        return (last, await db.Messages.CountAsync(m => m.RoomId == _room.Id), await db.HeldMessages.CountAsync());
    }

    private async Task SetCreatedAsync(Actor actor, DateTimeOffset at)
    {
        await using var db = await _database.CreateDbContextAsync();
        var user = await db.Users.SingleAsync(u => u.Id == actor.UserId);
        user.CreatedAt = at;
        await db.SaveChangesAsync();
    }
}
