using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;
using SupportCommunity.Web.Tests.Integration.Conversations;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Moderation;

public sealed class ReportTests(ModerationAppFactory app) : IClassFixture<ModerationAppFactory>
{
    [Fact]
    public async Task ReportMessage_OwnMessage_IsRefusedAndStoresNothing()
    {
        await using var author = await app.ConnectAsync(Customer);
        var sent = await author.SendAsync(General, "My own words.");

        await HubAssert.RefusedAsync(() => author.ReportAsync(sent.Id, "spam: testing"), "You can't report your own message.");

        await using var db = await app.DbAsync();
        Assert.False(await db.Reports.AnyAsync(r => r.MessageId == sent.Id));
    }

    [Fact]
    public async Task ReportMessage_Twice_SecondIsAnsweredWithTheFirstAndOneRowIsStored()
    {
        await using var author = await app.ConnectAsync(Customer2);
        await using var reporter = await app.ConnectAsync(Customer);
        using var api = await app.CreateApiClientAsync(Customer);
        var sent = await author.SendAsync(General, "Buy cheap followers at example.com");

        var first = await reporter.ReportAsync(sent.Id, "spam: a link to buy followers");
        using var again = await api.PostAsJsonAsync($"/api/messages/{sent.Id}/reports", new { reason = "spam again" });

        Assert.False(first.AlreadyReported);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var second = await again.Content.ReadFromJsonAsync<ReportReceipt>();
        Assert.Equal(first with { AlreadyReported = true }, second);
        await using var db = await app.DbAsync();
        var stored = Assert.Single(await db.Reports.Where(r => r.MessageId == sent.Id).ToListAsync());
        Assert.Equal("spam: a link to buy followers", stored.Reason);
    }

    [Fact]
    public async Task ReportMessage_Rest_Returns201WithTheReceipt()
    {
        await using var author = await app.ConnectAsync(Customer2);
        using var api = await app.CreateApiClientAsync(Member);
        var sent = await author.SendAsync(General, "Off-topic rant about football.");

        using var response = await api.PostAsJsonAsync($"/api/messages/{sent.Id}/reports", new { reason = "off-topic" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var receipt = await response.Content.ReadFromJsonAsync<ReportReceipt>();
        Assert.Equal(sent.Id, receipt!.MessageId);
        Assert.False(receipt.Hidden);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ab  ")]
    [InlineData(null)]
    public async Task ReportMessage_ReasonTooShort_IsRefusedAndStoresNothing(string? reason)
    {
        await using var author = await app.ConnectAsync(Customer2);
        await using var reporter = await app.ConnectAsync(Customer);
        var sent = await author.SendAsync(General, "Something to report.");

        await HubAssert.RefusedAsync(() => reporter.ReportAsync(sent.Id, reason!), "Give a reason of 3 to 500 characters.");

        await using var db = await app.DbAsync();
        Assert.False(await db.Reports.AnyAsync(r => r.MessageId == sent.Id));
    }

    [Fact]
    public async Task ReportMessage_ReasonTooLong_IsRefusedWith400()
    {
        await using var author = await app.ConnectAsync(Customer2);
        using var api = await app.CreateApiClientAsync(Customer);
        var sent = await author.SendAsync(General, "Another one.");

        using var response = await api.PostAsJsonAsync($"/api/messages/{sent.Id}/reports", new { reason = new string('x', 501) });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>();
        Assert.Equal("Give a reason of 3 to 500 characters.", problem!.Detail);
    }

    [Fact]
    public async Task ReportMessage_UnknownOrUnreadableMessage_IsNotFoundLikeEachOther()
    {
        await using var customer = await app.ConnectClientAsync(Customer);
        await using var manager = await app.ConnectClientAsync(Manager);
        await using var outsider = await app.ConnectAsync(Customer2);
        using var api = await app.CreateApiClientAsync(Customer2);
        var question = await customer.SendAsync(Billing, "My card was charged twice, card ending 4242.");
        var conversation = await manager.ReplyPrivatelyAsync(Billing, question.Sequence);
        var privateAnswer = await manager.SendAsync(conversation.Slug, "I've refunded the second charge.");

        await HubAssert.RefusedAsync(() => outsider.ReportAsync(privateAnswer.Id, "harassment"), $"There is no message {privateAnswer.Id}.");
        await HubAssert.RefusedAsync(() => outsider.ReportAsync(long.MaxValue, "harassment"), $"There is no message {long.MaxValue}.");
        using var rest = await api.PostAsJsonAsync($"/api/messages/{privateAnswer.Id}/reports", new { reason = "harassment" });
        Assert.Equal(HttpStatusCode.NotFound, rest.StatusCode);
        // The conversation's customer reads it, and so may report it.
        var receipt = await customer.Session.ReportAsync(privateAnswer.Id, "other: I asked for no refund");
        Assert.False(receipt.AlreadyReported);

        await using var db = await app.DbAsync();
        Assert.Equal(1, await db.Reports.CountAsync(r => r.MessageId == privateAnswer.Id));
    }

    [Fact]
    public async Task ReportMessage_ThreeTrustedMembers_HidesTheMessageOnEveryPathButTheQueue()
    {
        await using var author = await app.ConnectAsync(Customer2);
        await using var reader = await app.ConnectClientAsync(Customer);
        await using var member = await app.ConnectAsync(Member);
        await using var moderator = await app.ConnectAsync(Moderator);
        await using var agent = await app.ConnectAsync(Agent);
        await using var manager = await app.ConnectAsync(Manager);
        using var api = await app.CreateApiClientAsync(Customer);
        var before = await author.SendAsync(General, "Context before.");
        var sent = await author.SendAsync(General, "You are all idiots, secret-insult-7731");
        await reader.JoinRoomAsync(General);

        var one = await member.ReportAsync(sent.Id, "harassment: insults everyone");
        var two = await moderator.ReportAsync(sent.Id, "harassment");
        Assert.False(one.Hidden);
        Assert.False(two.Hidden);
        var three = await agent.ReportAsync(sent.Id, "harassment: insults");
        Assert.True(three.Hidden);

        // Live: the reader gets the new state without a body.
        var live = await reader.Events.MessageUpdated.NextAsync();
        Assert.Equal(sent.Id, live.Id);
        Assert.True(live.Hidden);
        Assert.Null(live.Body);
        Assert.False(live.Deleted);
        Assert.True(live.Revision > sent.Revision);
        // Every other path.
        var catchUp = await reader.JoinRoomAsync(General, before.Sequence);
        Assert.Contains(catchUp.Messages, m => m.Id == sent.Id && m.Hidden && m.Body is null);
        var history = await reader.GetHistoryAsync(General);
        Assert.Contains(history.Messages, m => m.Id == sent.Id && m.Hidden && m.Body is null);
        var rest = await api.GetHistoryAsync(General);
        Assert.Contains(rest.Messages, m => m.Id == sent.Id && m.Hidden && m.Body is null);
        Assert.Empty(await reader.SearchAsync(General, "secret-insult-7731"));
        var hiddenEvent = (await reader.Seen.All.UntilAsync(e => e.Name == "MessageUpdated"))[^1];
        Assert.False(hiddenEvent.Contains("secret-insult-7731"));
        // Staff read it in the queue.
        var queued = Assert.Single((await manager.GetQueueAsync()).Reports, r => r.Message.Id == sent.Id);
        Assert.Equal("You are all idiots, secret-insult-7731", queued.Message.Body);
        Assert.True(queued.Message.Hidden);
        Assert.Equal(3, queued.Reports.Count);
        Assert.Contains(queued.Reports, r => r.ReporterName == "Theo Ruiz" && r.Reason == "harassment");
        var hide = Assert.Single(await app.AuditForAsync(sent.Id, AuditActions.MessageHide));
        Assert.Contains("3 reports", hide.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReportMessage_ThreeCustomers_DoesNotHide()
    {
        await using var author = await app.ConnectAsync(Customer2);
        var sent = await author.SendAsync(General, "An opinion customers dislike.");

        foreach (var email in new[] { Customer, await app.SignUpCustomerAsync(), await app.SignUpCustomerAsync() })
        {
            await using var reporter = await app.ConnectAsync(email);
            var receipt = await reporter.ReportAsync(sent.Id, "other: I disagree");
            Assert.False(receipt.Hidden);
        }

        await using var db = await app.DbAsync();
        Assert.Equal(3, await db.Reports.CountAsync(r => r.MessageId == sent.Id));
        Assert.Null((await db.Messages.SingleAsync(m => m.Id == sent.Id)).HiddenAt);
    }

    [Fact]
    public async Task ReportMessage_NewReport_StaffAreToldLiveAndCustomersAreNot()
    {
        await using var author = await app.ConnectAsync(Customer2);
        await using var moderator = await app.ConnectAsync(Moderator);
        await using var customer = await app.ConnectClientAsync(Customer);
        var moderatorHints = moderator.RecordQueueChanges();
        await customer.JoinRoomAsync(General);
        var sent = await author.SendAsync(General, "Spam spam spam.");

        await customer.Session.ReportAsync(sent.Id, "spam");

        Assert.Equal(General, await moderatorHints.NextAsync());
        // A barrier: events reach a connection in order, so a hint sent to the customer would be in before this.
        await author.SendAsync(General, "barrier-after-report");
        var seen = await customer.Seen.All.UntilAsync(e => e.Name == "MessageReceived" && e.Contains("barrier-after-report"));
        Assert.DoesNotContain(seen, e => e.Name == "ModerationQueueChanged");
    }
}

/// <summary>The report limit with its own app, set low.</summary>
public sealed class ReportRateLimitTests(ReportRateLimitTests.LowLimitApp app) : IClassFixture<ReportRateLimitTests.LowLimitApp>
{
    public sealed class LowLimitApp : CommunityAppFactory
    {
        protected override void ConfigureSettings(IDictionary<string, string?> settings) =>
            settings["Moderation:ReportsPerWindow"] = "3";
    }

    [Fact]
    public async Task ReportMessage_OverTheLimit_IsRefusedWith429AndStoresNothing()
    {
        await using var author = await app.ConnectAsync(Customer2);
        await using var reporter = await app.ConnectAsync(Customer);
        using var api = await app.CreateApiClientAsync(Customer);
        var messages = new List<MessageDto>();
        for (var i = 0; i < 5; i++)
        {
            messages.Add(await author.SendAsync(General, $"Message {i}"));
        }

        for (var i = 0; i < 3; i++)
        {
            await reporter.ReportAsync(messages[i].Id, "spam");
        }

        await HubAssert.RefusedAsync(() => reporter.ReportAsync(messages[3].Id, "spam"), "You've sent a lot of reports.");
        using var rest = await api.PostAsJsonAsync($"/api/messages/{messages[4].Id}/reports", new { reason = "spam" });
        Assert.Equal(HttpStatusCode.TooManyRequests, rest.StatusCode);
        Assert.NotNull(rest.Headers.RetryAfter);
        // A repeat of an earlier report is still answered: it stores nothing and costs nothing.
        Assert.True((await reporter.ReportAsync(messages[0].Id, "spam")).AlreadyReported);

        await using var db = await app.DbAsync();
        Assert.Equal(3, await db.Reports.CountAsync(r => r.ReporterId != ""));
    }
}
