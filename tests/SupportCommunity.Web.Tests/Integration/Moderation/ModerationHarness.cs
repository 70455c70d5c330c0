using SupportCommunity.Identity;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Data;
using SupportCommunity.Demo;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;

namespace SupportCommunity.Web.Tests.Integration.Moderation;

/// <summary>The queue's hub methods as typed calls, and direct database reads and writes for what tests set up or check.</summary>
public static class ModerationHarness
{
    private static readonly TimeSpan Timeout = CommunityAppFactory.Timeout;

    public static Task<ReportReceipt> ReportAsync(this HubSession session, long messageId, string reason) =>
        session.Connection.InvokeAsync<ReportReceipt>("ReportMessage", messageId, reason).WaitAsync(Timeout);

    public static Task<ModerationQueueView> GetQueueAsync(this HubSession session) =>
        session.Connection.InvokeAsync<ModerationQueueView>("GetModerationQueue").WaitAsync(Timeout);

    public static Task<ReportContext> GetContextAsync(this HubSession session, long messageId) =>
        session.Connection.InvokeAsync<ReportContext>("GetReportContext", messageId).WaitAsync(Timeout);

    public static Task ClaimAsync(this HubSession session, long messageId) =>
        session.Connection.InvokeAsync("ClaimReport", messageId).WaitAsync(Timeout);

    public static Task<MessageDto> DismissAsync(this HubSession session, long messageId, string reason) =>
        session.Connection.InvokeAsync<MessageDto>("DismissReport", messageId, reason).WaitAsync(Timeout);

    public static Task<MessageDto> ResolveByDeletingAsync(this HubSession session, long messageId, string reason) =>
        session.Connection.InvokeAsync<MessageDto>("ResolveReportByDeleting", messageId, reason).WaitAsync(Timeout);

    public static Task<MessageDto> ResolveByTimeoutAsync(this HubSession session, long messageId, int minutes, string reason) =>
        session.Connection.InvokeAsync<MessageDto>("ResolveReportByTimeout", messageId, minutes, reason).WaitAsync(Timeout);

    public static Task<MessageDto> UnhideAsync(this HubSession session, long messageId, string reason) =>
        session.Connection.InvokeAsync<MessageDto>("UnhideMessage", messageId, reason).WaitAsync(Timeout);

    public static Task<MessageDto> ApproveHeldAsync(this HubSession session, long heldId) =>
        session.Connection.InvokeAsync<MessageDto>("ApproveHeld", heldId).WaitAsync(Timeout);

    public static Task RejectHeldAsync(this HubSession session, long heldId, string reason) =>
        session.Connection.InvokeAsync("RejectHeld", heldId, reason).WaitAsync(Timeout);

    /// <summary>Records <c>ModerationQueueChanged</c> hints; attach before anything is expected.</summary>
    public static EventChannel<string> RecordQueueChanges(this HubSession session)
    {
        var changes = new EventChannel<string>("ModerationQueueChanged");
        session.Connection.On<string>("ModerationQueueChanged", room => changes.Add(room));
        return changes;
    }

    public static async Task<CommunityDbContext> DbAsync(this CommunityAppFactory app) =>
        await app.Services.GetRequiredService<IDbContextFactory<CommunityDbContext>>().CreateDbContextAsync();

    /// <summary>A held send, as automod (mod-calm) stores it: not in the room, no sequence.</summary>
    /// <summary>
    /// Lifts every sanction in force on a member, as an admin would (so every node's cached rights drop it): for test
    /// classes whose cases sanction the same demo member in turn.
    /// </summary>
    public static async Task LiftSanctionsAsync(this CommunityAppFactory app, string email)
    {
        await using var db = await app.DbAsync();
        var member = await db.Users.SingleAsync(u => u.Email == email);
        var admin = await db.Users.SingleAsync(u => u.Email == Accounts.Admin);
        var inForce = await db.Sanctions.Where(s => s.UserId == member.Id && s.RevokedAt == null).Select(s => s.Id).ToListAsync();
        var sanctions = app.Services.GetRequiredService<SanctionService>();
        var actor = new Actor(admin.Id, admin.DisplayName, new HashSet<string> { CommunityRoles.Admin });
        foreach (var id in inForce)
        {
            try
            {
                await sanctions.LiftAsync(actor, id, "test: the next case starts unsanctioned");
            }
            catch (CommunityException)
            {
                // Expired already: nothing to lift.
            }
        }
    }

    public static async Task<HeldMessage> HoldAsync(this CommunityAppFactory app, string authorEmail, string roomSlug, string body)
    {
        await using var db = await app.DbAsync();
        var author = await db.Users.SingleAsync(u => u.Email == authorEmail);
        var room = await db.Rooms.SingleAsync(r => r.Slug == roomSlug);
        var held = new HeldMessage
        {
            RoomId = room.Id,
            AuthorId = author.Id,
            AuthorName = author.DisplayName,
            AuthorRole = "Customer",
            ClientMessageId = Guid.NewGuid(),
            Body = body,
            Rule = "links from new members",
            CreatedAt = DateTimeOffset.UtcNow,
            Status = HeldStatus.Pending,
        };
        db.HeldMessages.Add(held);
        await db.SaveChangesAsync();
        return held;
    }

    public static async Task<IReadOnlyList<AuditEntry>> AuditForAsync(this CommunityAppFactory app, long? messageId = null, string? action = null)
    {
        await using var db = await app.DbAsync();
        return await db.AuditEntries.AsNoTracking()
            .Where(e => (messageId == null || e.MessageId == messageId) && (action == null || e.Action == action))
            .OrderBy(e => e.Id).ToListAsync();
    }

    /// <summary>A new customer account, signed up through the API.</summary>
    public static async Task<string> SignUpCustomerAsync(this CommunityAppFactory app)
    {
        var email = $"reporter-{Guid.NewGuid():N}@demo.test";
        using var anonymous = app.CreateClient();
        using var registered = await anonymous.PostAsJsonAsync("/api/auth/register", new { email, password = DemoCommunity.Password });
        registered.EnsureSuccessStatusCode();
        return email;
    }
}

/// <summary>The app with a high report limit, so that busy test classes are not refused.</summary>
public sealed class ModerationAppFactory : CommunityAppFactory
{
    protected override void ConfigureSettings(IDictionary<string, string?> settings) =>
        settings["Moderation:ReportsPerWindow"] = "1000";
}
