using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;
using SupportCommunity.Web.Tests.Integration.Moderation;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration;

/// <summary>The app with the shipped send limits (5 messages per 5 s, duplicates refused for 30 s).</summary>
public sealed class AcceptanceAppFactory : CommunityAppFactory
{
    protected override void ConfigureSettings(IDictionary<string, string?> settings)
    {
        settings["Limits:FloodMessages"] = "5";
        settings["Limits:TrustedFloodMessages"] = "10";
        settings["Limits:FloodWindow"] = "00:00:05";
        settings["Limits:FloodSpacing"] = "00:00:00.250";
        settings["Limits:DuplicateWindow"] = "00:00:30";
    }
}

/// <summary>
/// Issue 6's acceptance, walked by independent clients (an HttpClient with a bearer token and the official SignalR
/// client for each of the seven demo accounts): every role acting beyond its rights is refused and nothing is stored;
/// a customer flooding a room is throttled while another member's sends go through; a blocked word is refused and not
/// stored; reported messages are resolved from the queue; then the audit log, read over REST by the manager, holds
/// every one of these actions with its actor, target and reason.
/// </summary>
public sealed class ModerationAcceptanceTests(AcceptanceAppFactory app) : IClassFixture<AcceptanceAppFactory>, IAsyncLifetime
{
    private const string BlockedWord = "frobnicate";

    private readonly Dictionary<string, (HttpClient Api, HubSession Hub, string Id, string Name)> _clients = [];
    private readonly List<(string Actor, string? Target, string Refusal)> _refusals = [];

    public async Task InitializeAsync()
    {
        foreach (var email in new[] { Admin, Manager, Agent, Moderator, Member, Customer, Customer2 })
        {
            var api = await app.CreateApiClientAsync(email);
            var hub = await app.ConnectAsync(email);
            var id = await Members.IdOfAsync(app, email);
            var rights = await api.GetFromJsonAsync<MemberRightsDto>("/api/moderation/rights/mine") ?? throw new InvalidOperationException();
            _clients[email] = (api, hub, id, rights.DisplayName);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var (api, hub, _, _) in _clients.Values)
        {
            api.Dispose();
            await hub.DisposeAsync();
        }
    }

    private HttpClient Api(string email) => _clients[email].Api;

    private HubConnection Hub(string email) => _clients[email].Hub.Connection;

    private string IdOf(string email) => _clients[email].Id;

    private string NameOf(string email) => _clients[email].Name;

    [Fact]
    public async Task AcceptanceWalk_EveryRoleBeyondItsRightsFloodBlockedWordReportsResolved_AllInTheAuditLog()
    {
        var start = DateTimeOffset.UtcNow.AddSeconds(-1);

        // The manager sets up automod; the troll (customer2) posts two messages that members will report.
        using (var created = await Api(Manager).PostAsJsonAsync("/api/moderation/automod",
                   new { name = "acceptance words", pattern = BlockedWord, isRegex = false, action = "Block" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var helpful = await _clients[Member].Hub.SendAsync(General, "Restarting the sync client fixed it for me.");
        var insult = await _clients[Customer2].Hub.SendAsync(General, "You are all idiots, every one of you.");
        var scam = await _clients[Customer2].Hub.SendAsync(Billing, "Cheap refunds at free-nimbus.example, DM me.");
        var report = await Hub(Customer).InvokeAsync<ReportReceipt>("ReportMessage", insult.Id, "harassment: insults");
        Assert.False(report.AlreadyReported);
        using (var reported = await Api(Member).PostAsJsonAsync($"/api/messages/{scam.Id}/reports", new { reason = "spam: scam link" }))
        {
            Assert.Equal(HttpStatusCode.Created, reported.StatusCode);
        }

        // 1. Every role beyond its rights, over the hub and over REST: all refused, nothing stored.
        var before = await StateAsync();
        await RefusedOverHubAsync(Customer, h => h.InvokeAsync<MessageDto>("ModerateDeleteMessage", helpful.Id, "I don't like it"),
            Member, "You can only delete messages in rooms you moderate.");
        await RefusedOverRestAsync(Customer, a => a.PostAsJsonAsync("/api/moderation/sanctions",
            new { userId = IdOf(Customer2), kind = "timeout", roomSlug = General, minutes = 10, reason = "annoying" }),
            Customer2, "Only moderators can time out members.");
        await RefusedOverHubAsync(Customer, h => h.InvokeAsync<MemberRightsDto>("GrantRole", IdOf(Customer2), CommunityRoles.TrustedMember, null, "my friend"),
            Customer2, "Only community managers and admins can grant or revoke this role.");
        await RefusedOverHubAsync(Customer, h => h.InvokeAsync<RoomControlsDto>("SetSlowMode", General, 60, "calm down"),
            null, "Only community managers, admins and the moderators of #general can change its settings and rules.");
        await RefusedOverRestAsync(Member, a => a.PutAsJsonAsync($"/api/rooms/{General}/controls/lock", new { message = "closed" }),
            null, "Only community managers, admins and the moderators of #general can change its settings and rules.");
        await RefusedOverHubAsync(Member, h => h.InvokeAsync<SanctionDto>("BanFromCommunity", IdOf(Customer2), null, "troll"),
            Customer2, "Only community managers can ban members from the community.");
        await RefusedOverRestAsync(Moderator, a => a.PostAsJsonAsync($"/api/moderation/messages/{scam.Id}/delete", new { reason = "scam" }),
            Customer2, "You can only delete messages in rooms you moderate.");
        await RefusedOverHubAsync(Moderator, h => h.InvokeAsync<SanctionDto>("TimeoutUser", IdOf(Agent), 10, "curt answers", General),
            Agent, "Volunteer moderators can't act on staff or other moderators.");
        await RefusedOverRestAsync(Moderator, a => a.PostAsJsonAsync("/api/moderation/rights/grant",
            new { userId = IdOf(Customer2), role = CommunityRoles.TrustedMember, reason = "seems fine" }),
            Customer2, "Only community managers and admins can grant or revoke this role.");
        await RefusedOverRestAsync(Agent, a => a.PostAsJsonAsync($"/api/moderation/queue/messages/{insult.Id}/dismiss", new { reason = "not my job" }),
            Customer2, "Support agents can read the moderation queue but not act on it.");
        await RefusedOverHubAsync(Agent, h => h.InvokeAsync<SanctionDto>("TimeoutUser", IdOf(Customer2), 10, "rude", General),
            Customer2, "Only moderators can time out members.");
        await RefusedOverRestAsync(Manager, a => a.PostAsJsonAsync("/api/moderation/rights/grant",
            new { userId = IdOf(Customer2), role = CommunityRoles.CommunityManager, reason = "promotion" }),
            Customer2, "Only admins can grant or revoke staff roles.");
        await RefusedOverHubAsync(Manager, h => h.InvokeAsync<MemberRightsDto>("RevokeRole", IdOf(Agent), CommunityRoles.SupportAgent, null, "budget"),
            Agent, "Only admins can grant or revoke staff roles.");
        await RefusedOverHubAsync(Manager, h => h.InvokeAsync<SanctionDto>("TimeoutUser", IdOf(Agent), 10, "curt answers", General),
            Agent, "Staff can't be timed out or banned.");
        await RefusedOverHubAsync(Admin, h => h.InvokeAsync<SanctionDto>("BanFromRoom", IdOf(Manager), General, null, "testing"),
            Manager, "Staff can't be timed out or banned.");
        Assert.Equal(before, await StateAsync());

        // 2. A customer floods #general: throttled on the hub and over REST, while another member's sends go through.
        var flood = Enumerable.Range(1, 10).Select(i => $"BUY FOLLOWERS NOW #{i}").ToList();
        var accepted = new List<string>();
        var throttled = new List<string>();
        var othersSent = new List<MessageDto>();
        var othersTalk = Task.Run(async () =>
        {
            for (var i = 1; i <= 3; i++)
            {
                othersSent.Add(await _clients[Member].Hub.SendAsync(General, $"Meanwhile, a real question #{i}"));
            }
        });
        foreach (var text in flood)
        {
            try
            {
                await _clients[Customer2].Hub.SendAsync(General, text);
                accepted.Add(text);
            }
            catch (HubException refusal)
            {
                Assert.Contains("You're sending messages too fast. Try again in", refusal.Message, StringComparison.Ordinal);
                throttled.Add(text);
            }
        }

        await othersTalk.WaitAsync(CommunityAppFactory.Timeout);
        Assert.NotEmpty(accepted);
        Assert.NotEmpty(throttled);
        Assert.Equal(3, othersSent.Count);
        var restThrottled = false;
        for (var i = 1; i <= 7 && !restThrottled; i++)
        {
            using var response = await Api(Customer2).PostMessageAsync(General, $"REST FOLLOWERS #{i}");
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                restThrottled = true;
                Assert.NotNull(response.Headers.RetryAfter?.Delta);
                Assert.StartsWith("You're sending messages too fast.", (await response.ReadProblemAsync(HttpStatusCode.TooManyRequests)).Detail, StringComparison.Ordinal);
            }
        }

        Assert.True(restThrottled, "seven REST sends in a row were never throttled");
        var history = (await Api(Manager).GetHistoryAsync(General, limit: 100)).Messages.Select(m => m.Body).ToList();
        Assert.All(throttled, text => Assert.DoesNotContain(text, history));
        Assert.All(accepted, text => Assert.Contains(text, history));

        // 3. A blocked word: refused on the hub and over REST, nothing stored.
        var lastBeforeBlocked = await Api(Customer).GetLastSequenceAsync(General);
        await HubAssert.RefusedAsync(() => _clients[Customer].Hub.SendAsync(General, $"This {BlockedWord} update broke my sync."), SendAdmission.BlockedText);
        using (var blocked = await Api(Customer).PostMessageAsync(General, $"Why is {BlockedWord} blocked?"))
        {
            Assert.Equal(SendAdmission.BlockedText, (await blocked.ReadProblemAsync(HttpStatusCode.BadRequest)).Detail);
        }

        Assert.Equal(lastBeforeBlocked, await Api(Customer).GetLastSequenceAsync(General));

        // 4. The reports are resolved from the queue: the moderator claims and deletes the insult, the manager times out
        //    the scammer, whose next send is refused with the time left.
        var queue = await Api(Moderator).GetFromJsonAsync<ModerationQueueView>("/api/moderation/queue") ?? throw new InvalidOperationException();
        Assert.Contains(queue.Reports, r => r.Message.Id == insult.Id && r.Reports.Any(x => x.Reason == "harassment: insults"));
        using (var claimed = await Api(Moderator).PostAsync(new Uri($"/api/moderation/queue/messages/{insult.Id}/claim", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.NoContent, claimed.StatusCode);
        }

        var deleted = await Hub(Moderator).InvokeAsync<MessageDto>("ResolveReportByDeleting", insult.Id, "Insulting other members")
            .WaitAsync(CommunityAppFactory.Timeout);
        Assert.True(deleted.Deleted);
        using (var timedOut = await Api(Manager).PostAsJsonAsync($"/api/moderation/queue/messages/{scam.Id}/timeout", new { minutes = 60, reason = "Scam links" }))
        {
            Assert.Equal(HttpStatusCode.OK, timedOut.StatusCode);
        }

        await HubAssert.RefusedAsync(() => _clients[Customer2].Hub.SendAsync(Feedback, "let me explain"), "You are timed out for ");
        var after = await Api(Manager).GetFromJsonAsync<ModerationQueueView>("/api/moderation/queue") ?? throw new InvalidOperationException();
        Assert.DoesNotContain(after.Reports, r => r.Message.Id == insult.Id || r.Message.Id == scam.Id);

        // Then the audit log, read over REST by the manager, holds every one of these actions.
        var log = await ReadAuditAsync(start);
        foreach (var (actor, target, refusal) in _refusals)
        {
            Assert.Contains(log, e => e.Action == AuditActions.AccessDenied && e.ActorName == NameOf(actor)
                && e.TargetName == (target is null ? null : NameOf(target)) && e.Reason == refusal);
        }

        Assert.Equal(_refusals.Count, log.Count(e => e.Action == AuditActions.AccessDenied));
        Assert.Contains(log, e => e.Action == AuditActions.AutomodRuleChange && e.ActorName == NameOf(Manager) && e.After!.Contains(BlockedWord, StringComparison.Ordinal));
        var floodEntry = Assert.Single(log, e => e.Action == AuditActions.FloodThrottle);
        Assert.Equal(("Flood limit", NameOf(Customer2), General), (floodEntry.ActorName, floodEntry.TargetName, floodEntry.RoomSlug));
        Assert.Contains("sending messages too fast", floodEntry.Reason, StringComparison.Ordinal);
        var blockedEntry = Assert.Single(log, e => e.Action == AuditActions.AutomodBlock);
        Assert.Equal(("Automod", NameOf(Customer), "Blocked by the automod rule \"acceptance words\".", $"This {BlockedWord} update broke my sync."),
            (blockedEntry.ActorName, blockedEntry.TargetName, blockedEntry.Reason, blockedEntry.Before));
        Assert.Contains(log, e => e.Action == AuditActions.ReportCreate && e.ActorName == NameOf(Customer) && e.TargetName == NameOf(Customer2)
            && e.MessageId == insult.Id && e.Reason == "harassment: insults");
        Assert.Contains(log, e => e.Action == AuditActions.ReportCreate && e.ActorName == NameOf(Member) && e.TargetName == NameOf(Customer2)
            && e.MessageId == scam.Id && e.Reason == "spam: scam link");
        Assert.Contains(log, e => e.Action == AuditActions.ReportClaim && e.ActorName == NameOf(Moderator) && e.MessageId == insult.Id);
        Assert.Contains(log, e => e.Action == AuditActions.MessageDelete && e.ActorName == NameOf(Moderator) && e.TargetName == NameOf(Customer2)
            && e.MessageId == insult.Id && e.Reason == "Insulting other members" && e.Before == insult.Body);
        var timeout = Assert.Single(log, e => e.Action == AuditActions.SanctionTimeout);
        Assert.Equal((NameOf(Manager), NameOf(Customer2), "Scam links", scam.Id), (timeout.ActorName, timeout.TargetName, timeout.Reason, timeout.MessageId));
        Assert.InRange(timeout.ExpiresAt!.Value - timeout.At, TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(61));
    }

    private async Task RefusedOverHubAsync(string actor, Func<HubConnection, Task> call, string? target, string refusal)
    {
        await HubAssert.RefusedAsync(() => call(Hub(actor)).WaitAsync(CommunityAppFactory.Timeout), refusal);
        _refusals.Add((actor, target, refusal));
    }

    private async Task RefusedOverRestAsync(string actor, Func<HttpClient, Task<HttpResponseMessage>> call, string? target, string refusal)
    {
        using var response = await call(Api(actor));
        Assert.Equal(refusal, (await response.ReadProblemAsync(HttpStatusCode.Forbidden)).Detail);
        _refusals.Add((actor, target, refusal));
    }

    /// <summary>What a refused action could have changed: sanctions, roles, room controls, messages, reports, automod rules.</summary>
    private async Task<string> StateAsync()
    {
        await using var db = await app.DbAsync();
        var sanctions = db.Sanctions.Count();
        var roles = string.Join(",", db.UserRoles.OrderBy(r => r.UserId).ThenBy(r => r.RoleId).Select(r => r.UserId + ":" + r.RoleId));
        var rooms = string.Join(",", db.Rooms.OrderBy(r => r.Id).Select(r => $"{r.Slug}:{r.SlowModeSeconds}:{r.LockedAt}:{r.RulesVersion}:{r.Revision}:{r.LastSequence}"));
        var deleted = db.Messages.Count(m => m.DeletedAt != null);
        var reports = string.Join(",", db.Reports.OrderBy(r => r.Id).Select(r => $"{r.Id}:{r.Status}:{r.ClaimedById}"));
        var automod = db.AutomodRules.Count();
        var changes = db.AuditEntries.Count(e => e.Action != AuditActions.AccessDenied);
        return $"{sanctions}|{roles}|{rooms}|{deleted}|{reports}|{automod}|{changes}";
    }

    /// <summary>Every audit entry since the walk began, over REST as the manager, page by page (keyset).</summary>
    private async Task<IReadOnlyList<AuditEntryDto>> ReadAuditAsync(DateTimeOffset since)
    {
        var entries = new List<AuditEntryDto>();
        long? before = null;
        do
        {
            var uri = $"/api/moderation/audit?from={Uri.EscapeDataString(since.ToString("O"))}&limit=50" + (before is { } b ? $"&before={b}" : "");
            var page = await Api(Manager).GetFromJsonAsync<AuditPage>(uri) ?? throw new InvalidOperationException("No audit page.");
            entries.AddRange(page.Entries);
            before = page.NextBefore;
        }
        while (before is not null);

        return entries;
    }
}
