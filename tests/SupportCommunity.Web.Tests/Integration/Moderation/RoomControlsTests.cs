using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Moderation;

/// <summary>An app of its own: these tests lock rooms and switch slow mode on, which no other class should meet.</summary>
public sealed class CalmAppFactory : CommunityAppFactory
{
    protected override void ConfigureSettings(IDictionary<string, string?> settings) =>
        settings["Limits:DuplicateWindow"] = "00:00:30";
}

/// <summary>
/// Calming tools and rules through independent clients: the hub and REST refuse everyone outside the right role and
/// room, live clients get <c>RoomSettingsChanged</c> at once, and refused sends store nothing.
/// </summary>
public sealed class RoomControlsTests(CalmAppFactory app) : IClassFixture<CalmAppFactory>
{
    public static TheoryData<string, string, string, bool> Refused()
    {
        var data = new TheoryData<string, string, string, bool>();
        // Customers, trusted members and support agents anywhere; a volunteer moderator outside the room they moderate.
        foreach (var (account, room) in new[] { (Customer, General), (Member, General), (Agent, Feedback), (Moderator, Billing) })
        {
            foreach (var action in Actions)
            {
                data.Add(account, room, action, true);
                data.Add(account, room, action, false);
            }
        }

        return data;
    }

    private static readonly string[] Actions = ["SetSlowMode", "LockRoom", "UnlockRoom", "CoolDown", "UnpinNotice", "SetRoomRules"];

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task ChangeControls_WithoutTheRightRoleOrRoom_IsRefusedOnHubAndRestAndChangesNothing(
        string account, string room, string action, bool overHub)
    {
        using var api = await app.CreateApiClientAsync(account);
        var before = await GetControlsAsync(api, room);
        var lastSequence = await api.GetLastSequenceAsync(room);
        var expected = $"Only community managers, admins and the moderators of #{room} can change its settings and rules.";

        if (overHub)
        {
            await using var hub = await app.ConnectAsync(account);
            await HubAssert.RefusedAsync(() => InvokeAsync(hub, action, room), expected);
        }
        else
        {
            using var response = await SendRestAsync(api, action, room);
            var problem = await response.ReadProblemAsync(HttpStatusCode.Forbidden);
            Assert.Equal(expected, problem.Detail);
        }

        Assert.Equal(before, await GetControlsAsync(api, room));
        Assert.Equal(lastSequence, await api.GetLastSequenceAsync(room));
    }

    [Theory]
    [InlineData(Manager, Feedback, true)]
    [InlineData(Admin, Billing, false)]
    [InlineData(Moderator, General, true)]
    [InlineData(Moderator, General, false)]
    public async Task SetSlowMode_ManagerAdminOrTheRoomsModerator_IsAllowedOnHubAndRest(string account, string room, bool overHub)
    {
        using var api = await app.CreateApiClientAsync(account);
        await using var hub = await app.ConnectAsync(account);

        var on = overHub
            ? await hub.Connection.InvokeAsync<RoomControlsDto>("SetSlowMode", room, 45, "test").WaitAsync(CommunityAppFactory.Timeout)
            : await ReadAsync<RoomControlsDto>(await api.PutAsJsonAsync($"/api/rooms/{room}/controls/slow-mode", new { seconds = 45, reason = "test" }));
        Assert.Equal(45, on.SlowModeSeconds);

        using var off = await api.PutAsJsonAsync($"/api/rooms/{room}/controls/slow-mode", new { seconds = 0 });
        Assert.Equal(0, (await ReadAsync<RoomControlsDto>(off)).SlowModeSeconds);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(4)]
    [InlineData(21_601)]
    public async Task SetSlowMode_OutOfRange_IsRefusedAsInvalid(int seconds)
    {
        using var api = await app.CreateApiClientAsync(Manager);
        using var response = await api.PutAsJsonAsync($"/api/rooms/{Feedback}/controls/slow-mode", new { seconds });
        var problem = await response.ReadProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("Slow mode is 0 (off) or 5 seconds to 6 hours (21,600 seconds).", problem.Detail);
    }

    [Fact]
    public async Task LockRoom_LiveClientsGetTheBannerAtOnceMembersCannotPostStaffCanUnlockReopens()
    {
        await using var customer = await app.ConnectAsync(Customer);
        await using var manager = await app.ConnectAsync(Manager);
        using var customerApi = await app.CreateApiClientAsync(Customer);
        await customer.JoinRoomAsync(Feedback);
        await manager.JoinRoomAsync(Feedback);

        await manager.Connection.InvokeAsync<RoomControlsDto>("LockRoom", Feedback, "Closed while we ship 4.2.").WaitAsync(CommunityAppFactory.Timeout);
        var locked = await customer.Events.RoomSettingsChanged.NextMatchingAsync(c => c.Room == Feedback && c.Locked);
        Assert.Equal("Closed while we ship 4.2.", locked.LockMessage);

        var last = await customerApi.GetLastSequenceAsync(Feedback);
        await HubAssert.RefusedAsync(() => customer.SendAsync(Feedback, "is it out yet?"), "#feedback is locked: only staff can post. Closed while we ship 4.2.");
        using (var rest = await customerApi.PostMessageAsync(Feedback, "is it out yet?"))
        {
            var problem = await rest.ReadProblemAsync(HttpStatusCode.Forbidden);
            Assert.Contains("is locked", problem.Detail, StringComparison.Ordinal);
        }

        Assert.Equal(last, await customerApi.GetLastSequenceAsync(Feedback));
        await manager.SendAsync(Feedback, "Shipping now, back soon.");

        await manager.Connection.InvokeAsync<RoomControlsDto>("UnlockRoom", Feedback).WaitAsync(CommunityAppFactory.Timeout);
        Assert.False((await customer.Events.RoomSettingsChanged.NextMatchingAsync(c => c.Room == Feedback && !c.Locked)).Locked);
        await customer.SendAsync(Feedback, "is it out yet?");
    }

    [Fact]
    public async Task CoolDown_SlowModeAndPinnedNoticeReachLiveClientsAndSecondSendIsThrottled()
    {
        await using var customer = await app.ConnectAsync(Customer2);
        await using var moderator = await app.ConnectAsync(Moderator);
        using var customerApi = await app.CreateApiClientAsync(Customer2);
        await customer.JoinRoomAsync(General);

        await moderator.Connection.InvokeAsync<RoomControlsDto>("CoolDown", General, 40, "Let's keep it friendly, folks.")
            .WaitAsync(CommunityAppFactory.Timeout);
        var cooled = await customer.Events.RoomSettingsChanged.NextMatchingAsync(c => c.Room == General && c.SlowModeSeconds == 40);
        Assert.Equal("Let's keep it friendly, folks.", cooled.Pinned?.Body);
        Assert.Equal("Theo Ruiz", cooled.Pinned?.AuthorName);

        await customer.SendAsync(General, "ok, sorry");
        var last = await customerApi.GetLastSequenceAsync(General);
        await HubAssert.RefusedAsync(() => customer.SendAsync(General, "but really"), "Slow mode is on: you can post again in ");
        using (var rest = await customerApi.PostMessageAsync(General, "but really"))
        {
            var problem = await rest.ReadProblemAsync(HttpStatusCode.TooManyRequests);
            Assert.StartsWith("Slow mode is on: you can post again in ", problem.Detail, StringComparison.Ordinal);
            Assert.InRange(rest.Headers.RetryAfter?.Delta ?? TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(40));
        }

        Assert.Equal(last, await customerApi.GetLastSequenceAsync(General));

        // Back to normal for the other tests of this class.
        await moderator.Connection.InvokeAsync<RoomControlsDto>("SetSlowMode", General, 0, null).WaitAsync(CommunityAppFactory.Timeout);
        var unpinned = await moderator.Connection.InvokeAsync<RoomControlsDto>("UnpinNotice", General).WaitAsync(CommunityAppFactory.Timeout);
        Assert.Null(unpinned.Pinned);
    }

    [Fact]
    public async Task RoomRules_MemberMustAcceptTheCurrentVersionBeforePosting()
    {
        await using var manager = await app.ConnectAsync(Manager);
        await using var member = await app.ConnectAsync(Member);
        await member.JoinRoomAsync(Billing);

        var set = await manager.Connection.InvokeAsync<RoomRulesDto>("SetRoomRules", Billing, "**Be kind.** No invoices with card numbers.")
            .WaitAsync(CommunityAppFactory.Timeout);
        var changed = await member.Events.RoomSettingsChanged.NextMatchingAsync(c => c.Room == Billing && c.RulesVersion == set.Version);
        Assert.True(changed.HasRules);

        var rules = await member.Connection.InvokeAsync<RoomRulesDto>("GetRoomRules", Billing).WaitAsync(CommunityAppFactory.Timeout);
        Assert.False(rules.Accepted);
        Assert.Contains("<strong>Be kind.</strong>", rules.Html, StringComparison.Ordinal);
        await HubAssert.RefusedAsync(() => member.SendAsync(Billing, "hello"), "Accept the rules of #billing to post.");

        var accepted = await member.Connection.InvokeAsync<RoomRulesDto>("AcceptRoomRules", Billing, rules.Version).WaitAsync(CommunityAppFactory.Timeout);
        Assert.True(accepted.Accepted);
        await member.SendAsync(Billing, "hello");

        await manager.Connection.InvokeAsync<RoomRulesDto>("SetRoomRules", Billing, "").WaitAsync(CommunityAppFactory.Timeout);
    }

    [Fact]
    public async Task SendMessage_HeldByAutomod_Rest202AndHubSaysItWaitsForReview()
    {
        using var managerApi = await app.CreateApiClientAsync(Manager);
        using var created = await managerApi.PostAsJsonAsync("/api/moderation/automod",
            new { name = "giveaways", pattern = "free giveaway", isRegex = false, action = "Hold" });
        var rule = await ReadAsync<AutomodRuleDto>(created, HttpStatusCode.Created);
        Assert.Equal(AutomodAction.Hold, rule.Action);

        using var api = await app.CreateApiClientAsync(Customer);
        await using var hub = await app.ConnectAsync(Customer);
        var last = await api.GetLastSequenceAsync(Feedback);
        using (var rest = await api.PostMessageAsync(Feedback, "FREE GIVEAWAY in my profile"))
        {
            var problem = await rest.ReadProblemAsync(HttpStatusCode.Accepted);
            Assert.Equal(SendAdmission.HeldMessageText, problem.Detail);
        }

        await HubAssert.RefusedAsync(() => hub.SendAsync(Feedback, "another free giveaway"), SendAdmission.HeldMessageText);
        Assert.Equal(last, await api.GetLastSequenceAsync(Feedback));

        using var tested = await managerApi.PostAsJsonAsync("/api/moderation/automod/test", new { text = "a free giveaway" });
        Assert.Equal("Hold", (await ReadAsync<AutomodTestResult>(tested)).Outcome);
        using var disabled = await managerApi.PutAsJsonAsync($"/api/moderation/automod/{rule.Id}",
            new { name = "giveaways", pattern = "free giveaway", isRegex = false, action = "Hold", enabled = false });
        Assert.False((await ReadAsync<AutomodRuleDto>(disabled)).Enabled);
    }

    [Fact]
    public async Task SendMessage_SameTextTwice_SecondRefusedOnHubAndRestRetryReturnsTheStoredMessage()
    {
        using var api = await app.CreateApiClientAsync(Member);
        await using var hub = await app.ConnectAsync(Member);
        var text = "Same question twice? " + Guid.NewGuid().ToString("N")[..6];
        var first = await hub.SendAsync(General, text);
        var last = await api.GetLastSequenceAsync(General);

        await HubAssert.RefusedAsync(() => hub.SendAsync(General, text), "You just sent that.");
        using (var rest = await api.PostMessageAsync(General, text))
        {
            Assert.Equal("You just sent that.", (await rest.ReadProblemAsync(HttpStatusCode.Conflict)).Detail);
        }

        Assert.Equal(last, await api.GetLastSequenceAsync(General));
        Assert.Equal(first, await hub.SendAsync(General, text, first.ClientMessageId));
    }

    [Theory]
    [InlineData(Customer)]
    [InlineData(Member)]
    [InlineData(Moderator)]
    [InlineData(Agent)]
    public async Task AutomodApi_NotManagerOrAdmin_IsRefused(string account)
    {
        using var api = await app.CreateApiClientAsync(account);
        using var list = await api.GetAsync(new Uri("/api/moderation/automod", UriKind.Relative));
        using var create = await api.PostAsJsonAsync("/api/moderation/automod", new { name = "x", pattern = "x", isRegex = false, action = "Block" });
        using var test = await api.PostAsJsonAsync("/api/moderation/automod/test", new { text = "x" });

        foreach (var response in new[] { list, create, test })
        {
            var problem = await response.ReadProblemAsync(HttpStatusCode.Forbidden);
            Assert.Equal("Only community managers and admins can manage automod rules.", problem.Detail);
        }
    }

    private static Task InvokeAsync(HubSession hub, string action, string room) => (action switch
    {
        "SetSlowMode" => hub.Connection.InvokeAsync<RoomControlsDto>(action, room, 30, "because"),
        "LockRoom" => hub.Connection.InvokeAsync<RoomControlsDto>(action, room, "locked by me"),
        "UnlockRoom" => hub.Connection.InvokeAsync<RoomControlsDto>(action, room),
        "CoolDown" => hub.Connection.InvokeAsync<RoomControlsDto>(action, room, 30, "calm down"),
        "UnpinNotice" => hub.Connection.InvokeAsync<RoomControlsDto>(action, room),
        "SetRoomRules" => (Task)hub.Connection.InvokeAsync<RoomRulesDto>(action, room, "my rules"),
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    }).WaitAsync(CommunityAppFactory.Timeout);

    private static Task<HttpResponseMessage> SendRestAsync(HttpClient api, string action, string room) => action switch
    {
        "SetSlowMode" => api.PutAsJsonAsync($"/api/rooms/{room}/controls/slow-mode", new { seconds = 30, reason = "because" }),
        "LockRoom" => api.PutAsJsonAsync($"/api/rooms/{room}/controls/lock", new { message = "locked by me" }),
        "UnlockRoom" => api.DeleteAsync(new Uri($"/api/rooms/{room}/controls/lock", UriKind.Relative)),
        "CoolDown" => api.PostAsJsonAsync($"/api/rooms/{room}/controls/cool-down", new { seconds = 30, notice = "calm down" }),
        "UnpinNotice" => api.DeleteAsync(new Uri($"/api/rooms/{room}/controls/pin", UriKind.Relative)),
        "SetRoomRules" => api.PutAsJsonAsync($"/api/rooms/{room}/rules", new { markdown = "my rules" }),
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };

    private static async Task<RoomControlsDto> GetControlsAsync(HttpClient api, string room) =>
        await ReadAsync<RoomControlsDto>(await api.GetAsync(new Uri($"/api/rooms/{room}/controls", UriKind.Relative)));

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using (response)
        {
            Assert.Equal(expected, response.StatusCode);
            return await response.Content.ReadFromJsonAsync<T>() ?? throw new InvalidOperationException("Empty body.");
        }
    }
}
