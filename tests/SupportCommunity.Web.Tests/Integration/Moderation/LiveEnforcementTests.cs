using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;
using SupportCommunity.Web.Tests.Integration.Conversations;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Moderation;

/// <summary>Sanctions and rights changes reach live connections at once, through independent clients.</summary>
public sealed class LiveEnforcementTests(CommunityAppFactory app) : IClassFixture<CommunityAppFactory>
{
    [Fact]
    public async Task TimeoutUser_LiveConnection_NextSendRefusedWithTimeLeftAndReason()
    {
        var (trollId, trollEmail) = await Members.RegisterAsync(app, "Troll");
        await using var troll = await app.ConnectAsync(trollEmail);
        await using var manager = await app.ConnectAsync(Manager);
        await troll.JoinRoomAsync(General);
        await troll.SendAsync(General, "first!!!");
        var sanctioned = Listen<SanctionDto>(troll, "Sanctioned");

        var timeout = await manager.Connection.InvokeAsync<SanctionDto>("TimeoutUser", trollId, 10, "Spamming links", General)
            .WaitAsync(CommunityAppFactory.Timeout);

        Assert.Equal("timeout", timeout.Kind);
        Assert.True(timeout.Active);
        var pushed = await sanctioned.WaitAsync(CommunityAppFactory.Timeout);
        Assert.Equal(timeout.Id, pushed.Id);
        var refusal = await HubAssert.RefusedAsync(() => troll.SendAsync(General, "you can't stop me"), "You are timed out for ");
        Assert.Matches(new Regex(@"You are timed out for (9 min \d{1,2} s|10 min): Spamming links$"), refusal.Message);
        // Elsewhere too (a timeout is community-wide), and over REST with a 403 saying the same.
        await HubAssert.RefusedAsync(() => troll.SendAsync(Billing, "or here"), "You are timed out for ");
        using var api = await app.CreateApiClientAsync(trollEmail);
        using var rest = await api.PostMessageAsync(General, "over rest");
        var problem = await rest.ReadProblemAsync(HttpStatusCode.Forbidden);
        Assert.StartsWith("You are timed out for ", problem.Detail);

        // Lifted: the troll may post again at once.
        var lifted = await manager.Connection.InvokeAsync<SanctionDto>("LiftSanction", timeout.Id, "Apologised").WaitAsync(CommunityAppFactory.Timeout);
        Assert.False(lifted.Active);
        var mine = await troll.Connection.InvokeAsync<IReadOnlyList<SanctionDto>>("GetMySanctions").WaitAsync(CommunityAppFactory.Timeout);
        Assert.Empty(mine);
        Assert.Equal("sorry", (await troll.SendAsync(General, "sorry")).Body);
    }

    [Fact]
    public async Task BanFromRoom_LiveConnection_StopsReceivingTheRoomAndRejoinIsRefusedAfterReconnect()
    {
        var (trollId, trollEmail) = await Members.RegisterAsync(app, "Banned");
        await using var troll = await app.ConnectAsync(trollEmail);
        await using var member = await app.ConnectAsync(Customer2);
        await using var manager = await app.ConnectAsync(Manager);
        await troll.JoinRoomAsync(General);
        await troll.JoinRoomAsync(Billing);
        await member.JoinRoomAsync(General);
        var sanctioned = Listen<SanctionDto>(troll, "Sanctioned");

        await manager.Connection.InvokeAsync<SanctionDto>("BanFromRoom", trollId, General, null, "Harassment").WaitAsync(CommunityAppFactory.Timeout);
        Assert.Equal("room-ban", (await sanctioned.WaitAsync(CommunityAppFactory.Timeout)).Kind);

        var sentinel = await manager.SendAsync(General, "sentinel after the ban");
        await member.Events.MessageReceived.NextMatchingAsync(m => m.Id == sentinel.Id);
        // A later message in another room the troll is in: once it arrives, the sentinel would have arrived before it.
        var barrier = await manager.SendAsync(Billing, "barrier");
        var seen = await troll.Events.MessageReceived.UntilAsync(m => m.Id == barrier.Id);
        Assert.DoesNotContain(seen, m => m.RoomSlug == General && m.Id == sentinel.Id);

        await HubAssert.RefusedAsync(() => troll.SendAsync(General, "still here?"), "You are banned from this room: Harassment");
        await troll.StopAsync();
        await using var again = await app.ConnectAsync(trollEmail);
        await HubAssert.RefusedAsync(() => again.JoinRoomAsync(General), "You are banned from this room: Harassment");
        await again.JoinRoomAsync(Billing);
        using var api = await app.CreateApiClientAsync(trollEmail);
        using var history = await api.GetAsync(ApiClientExtensions.HistoryUri(General));
        Assert.Equal(HttpStatusCode.Forbidden, history.StatusCode);
    }

    [Fact]
    public async Task BanFromCommunity_ClosesLiveConnectionsAndRefusesReconnect()
    {
        var (trollId, trollEmail) = await Members.RegisterAsync(app, "Exiled");
        await using var troll = await app.ConnectAsync(trollEmail);
        await using var manager = await app.ConnectAsync(Manager);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        troll.Connection.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };

        await manager.Connection.InvokeAsync<SanctionDto>("BanFromCommunity", trollId, 60 * 24, "Threats").WaitAsync(CommunityAppFactory.Timeout);

        await closed.Task.WaitAsync(CommunityAppFactory.Timeout);

        // Reconnecting: the server closes the new connection with the ban's reason, and REST refuses the rooms.
        var token = await app.LoginAsync(trollEmail);
        await using var again = app.BuildHubConnection(token, Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets);
        var refused = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        again.Closed += error => { refused.TrySetResult(error); return Task.CompletedTask; };
        try
        {
            await again.StartAsync().WaitAsync(CommunityAppFactory.Timeout);
        }
        catch (Exception error)
        {
            refused.TrySetResult(error);
        }

        var reason = await refused.Task.WaitAsync(CommunityAppFactory.Timeout);
        Assert.Contains("You are banned from the community for ", reason?.Message);
        Assert.Contains(": Threats", reason?.Message);
        using var api = await app.CreateApiClientAsync(trollEmail);
        using var history = await api.GetAsync(ApiClientExtensions.HistoryUri(General));
        Assert.Equal(HttpStatusCode.Forbidden, history.StatusCode);
    }

    [Fact]
    public async Task GrantVolunteerModerator_LiveConnection_CanDeleteInTheRoomWithoutReconnecting()
    {
        var (userId, email) = await Members.RegisterAsync(app, "Volunteer");
        await using var volunteer = await app.ConnectAsync(email);
        await using var admin = await app.ConnectAsync(Admin);
        await using var author = await app.ConnectAsync(Customer);
        var first = await author.SendAsync(General, "spam spam spam");
        await HubAssert.RefusedAsync(
            () => volunteer.Connection.InvokeAsync<MessageDto>("ModerateDeleteMessage", first.Id, "Spam").WaitAsync(CommunityAppFactory.Timeout),
            "You can only delete messages in rooms you moderate.");
        var rightsChanged = Listen<object?>(volunteer, "RightsChanged");

        var clock = Stopwatch.StartNew();
        var rights = await admin.Connection.InvokeAsync<MemberRightsDto>("GrantRole", userId, CommunityRoles.VolunteerModerator, new[] { General }, "Helps a lot")
            .WaitAsync(CommunityAppFactory.Timeout);
        Assert.Contains(CommunityRoles.VolunteerModerator, rights.Roles);
        Assert.Equal([General], rights.ModeratedRooms);
        await rightsChanged.WaitAsync(CommunityAppFactory.Timeout);
        var deleted = await volunteer.Connection.InvokeAsync<MessageDto>("ModerateDeleteMessage", first.Id, "Spam").WaitAsync(CommunityAppFactory.Timeout);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"The grant took {clock.Elapsed} to apply.");
        Assert.True(deleted.Deleted);
        Assert.True(deleted.RemovedByModerator);

        // Revoked: refused again on the same connection.
        await admin.Connection.InvokeAsync<MemberRightsDto>("RevokeRole", userId, CommunityRoles.VolunteerModerator, null, "Stepped down")
            .WaitAsync(CommunityAppFactory.Timeout);
        var second = await author.SendAsync(General, "more spam");
        await HubAssert.RefusedAsync(
            () => volunteer.Connection.InvokeAsync<MessageDto>("ModerateDeleteMessage", second.Id, "Spam").WaitAsync(CommunityAppFactory.Timeout),
            "You can only delete messages in rooms you moderate.");
    }

    [Fact]
    public async Task GrantAndRevokeVolunteerModerator_LiveConnection_StartsAndStopsTheQueueFeedWithoutReconnecting()
    {
        var (userId, email) = await Members.RegisterAsync(app, "Queue volunteer");
        await using var volunteer = await app.ConnectClientAsync(email);
        await using var admin = await app.ConnectAsync(Admin);
        await using var author = await app.ConnectAsync(Customer2);
        await using var reporter = await app.ConnectAsync(Customer);
        await volunteer.JoinRoomAsync(General);

        await admin.Connection.InvokeAsync<MemberRightsDto>("GrantRole", userId, CommunityRoles.VolunteerModerator, new[] { General }, "Helps with reports")
            .WaitAsync(CommunityAppFactory.Timeout);
        await volunteer.Seen.All.UntilAsync(e => e.Name == "RightsChanged");
        var first = await author.SendAsync(General, "Cheap followers, DM me");
        await reporter.ReportAsync(first.Id, "spam");
        // The queue's hint reaches the same connection, opened before the grant.
        await volunteer.Seen.All.UntilAsync(e => e.Name == "ModerationQueueChanged");

        await admin.Connection.InvokeAsync<MemberRightsDto>("RevokeRole", userId, CommunityRoles.VolunteerModerator, null, "Stepped down")
            .WaitAsync(CommunityAppFactory.Timeout);
        await volunteer.Seen.All.UntilAsync(e => e.Name == "RightsChanged");
        var second = await author.SendAsync(General, "More cheap followers, DM me");
        await reporter.ReportAsync(second.Id, "spam");
        // A barrier: events reach a connection in order, so a hint sent after the revocation would be in before it.
        await author.SendAsync(General, "barrier-after-revoke");
        var seen = await volunteer.Seen.All.UntilAsync(e => e.Name == "MessageReceived" && e.Contains("barrier-after-revoke"));
        Assert.DoesNotContain(seen, e => e.Name == "ModerationQueueChanged");
    }

    [Fact]
    public async Task AuditLog_HoldsEachActionWithReasonBeforeAfterAndExpiry()
    {
        var (trollId, trollEmail) = await Members.RegisterAsync(app, "Audited");
        await using var troll = await app.ConnectAsync(trollEmail);
        await using var manager = await app.ConnectAsync(Manager);
        var original = await troll.SendAsync(General, "original words");
        await troll.EditAsync(original.Id, "own edit");
        var edited = await manager.Connection.InvokeAsync<MessageDto>("ModerateEditMessage", original.Id, "moderated words", "Rude wording")
            .WaitAsync(CommunityAppFactory.Timeout);
        var doomed = await troll.SendAsync(General, "to be removed");
        var removed = await manager.Connection.InvokeAsync<MessageDto>("ModerateDeleteMessage", doomed.Id, "Off topic").WaitAsync(CommunityAppFactory.Timeout);
        var timeout = await manager.Connection.InvokeAsync<SanctionDto>("TimeoutUser", trollId, 60, "Cool off", (string?)null).WaitAsync(CommunityAppFactory.Timeout);
        await manager.Connection.InvokeAsync<SanctionDto>("LiftSanction", timeout.Id, "Early release").WaitAsync(CommunityAppFactory.Timeout);
        await manager.Connection.InvokeAsync<MemberRightsDto>("GrantRole", trollId, CommunityRoles.TrustedMember, null, "Reformed").WaitAsync(CommunityAppFactory.Timeout);

        Assert.Equal("moderated words", edited.Body);
        Assert.Null(removed.Body);
        Assert.True(removed.RemovedByModerator);
        using var api = await app.CreateApiClientAsync(Manager);
        var page = await api.GetFromJsonAsync<AuditPage>($"/api/moderation/audit?targetUserId={trollId}");
        var entries = page!.Entries.Reverse().ToList();
        Assert.Equal(
            [AuditActions.MessageEdit, AuditActions.MessageDelete, AuditActions.SanctionTimeout, AuditActions.SanctionLift, AuditActions.RoleGrant],
            entries.Select(e => e.Action));
        Assert.Equal(["Rude wording", "Off topic", "Cool off", "Early release", "Reformed"], entries.Select(e => e.Reason));
        Assert.All(entries, e => Assert.Equal("Maya Chen", e.ActorName));
        Assert.Equal(("own edit", "moderated words"), (entries[0].Before, entries[0].After));
        Assert.Equal("to be removed", entries[1].Before);
        Assert.Equal(General, entries[1].RoomSlug);
        Assert.Equal(timeout.ExpiresAt, entries[2].ExpiresAt);
        Assert.InRange(entries[2].ExpiresAt!.Value - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(55), TimeSpan.FromMinutes(61));
        Assert.Equal("Customer", entries[4].Before);
        Assert.Equal("TrustedMember, Customer", entries[4].After);

        // Staff read the original text and every edit; members see the message as removed.
        var history = await api.GetFromJsonAsync<MessageHistoryDto>($"/api/moderation/messages/{original.Id}/history");
        Assert.Equal(["original words", "own edit"], history!.Edits.Select(e => e.Body));
        Assert.Equal("moderated words", history.Body);
        var deletedHistory = await api.GetFromJsonAsync<MessageHistoryDto>($"/api/moderation/messages/{doomed.Id}/history");
        Assert.Equal("to be removed", deletedHistory!.Body);
        Assert.Equal("Maya Chen", deletedHistory.DeletedByName);
        using var memberApi = await app.CreateApiClientAsync(Customer2);
        Assert.Equal(HttpStatusCode.NotFound, (await memberApi.GetAsync($"/api/moderation/messages/{doomed.Id}/history")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await memberApi.GetAsync("/api/moderation/audit")).StatusCode);
        var seen = await memberApi.FindInHistoryAsync(General, doomed.Id);
        Assert.True(seen.Deleted && seen.RemovedByModerator && seen.Body is null);
    }

    [Fact]
    public async Task AuditCsv_EscapesQuotesAndDefusesFormulas()
    {
        var (_, trollEmail) = await Members.RegisterAsync(app, "=cmd|' /C calc'!A0");
        await using var troll = await app.ConnectAsync(trollEmail);
        await using var manager = await app.ConnectAsync(Manager);
        var sent = await troll.SendAsync(General, "+SUM(1,2) and \"quotes\"");
        await manager.Connection.InvokeAsync<MessageDto>("ModerateDeleteMessage", sent.Id, "@HYPERLINK(\"http://evil.example\")").WaitAsync(CommunityAppFactory.Timeout);

        using var api = await app.CreateApiClientAsync(Manager);
        using var response = await api.GetAsync($"/api/moderation/audit.csv?action={AuditActions.MessageDelete}");
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var csv = await response.Content.ReadAsStringAsync();

        Assert.StartsWith("id,at,action,actor_id,actor,target_id,target,room,message_id,reason,before,after,expires_at\r\n", csv);
        var row = csv.Split("\r\n").Single(l => l.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $",{sent.Id},"), StringComparison.Ordinal) && l.Contains("HYPERLINK", StringComparison.Ordinal));
        Assert.Contains(",'=cmd|' /C calc'!A0,", row);
        Assert.Contains(",\"'@HYPERLINK(\"\"http://evil.example\"\")\",", row);
        Assert.Contains(",\"'+SUM(1,2) and \"\"quotes\"\"\",", row);
        Assert.DoesNotContain(",=", csv);
        Assert.DoesNotContain(",+", csv);
        Assert.DoesNotContain(",@", csv);

        using var memberApi = await app.CreateApiClientAsync(Customer2);
        Assert.Equal(HttpStatusCode.Forbidden, (await memberApi.GetAsync("/api/moderation/audit.csv")).StatusCode);
    }

    [Fact]
    public async Task AuditLog_VolunteerModeratorSeesOnlyTheirRooms()
    {
        var (trollId, trollEmail) = await Members.RegisterAsync(app, "Scoped");
        await using var troll = await app.ConnectAsync(trollEmail);
        await using var manager = await app.ConnectAsync(Manager);
        var inGeneral = await troll.SendAsync(General, "general noise");
        var inBilling = await troll.SendAsync(Billing, "billing noise");
        await manager.Connection.InvokeAsync<MessageDto>("ModerateDeleteMessage", inGeneral.Id, "noise").WaitAsync(CommunityAppFactory.Timeout);
        await manager.Connection.InvokeAsync<MessageDto>("ModerateDeleteMessage", inBilling.Id, "noise").WaitAsync(CommunityAppFactory.Timeout);

        using var moderatorApi = await app.CreateApiClientAsync(Moderator);
        var page = await moderatorApi.GetFromJsonAsync<AuditPage>($"/api/moderation/audit?targetUserId={trollId}");

        Assert.Equal([inGeneral.Id], page!.Entries.Select(e => e.MessageId!.Value));
    }

    private static Task<T> Listen<T>(HubSession session, string method)
    {
        var received = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (typeof(T) == typeof(object))
        {
            session.Connection.On(method, () => received.TrySetResult(default!));
        }
        else
        {
            session.Connection.On<T>(method, value => received.TrySetResult(value));
        }

        return received.Task;
    }
}
