using System.Collections.Concurrent;
using System.Net.Http.Json;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Moderation;

public enum MatrixRole { Admin, Manager, Agent, ModeratorOwnRoom, ModeratorOtherRoom, TrustedMember, Customer }

public enum MatrixAction { EditAny, DeleteAny, Timeout, RoomBan, CommunityBan, Lift, GrantTrusted, GrantModerator, GrantManager, GrantAgent, Revoke }

public enum MatrixTarget { Customer, Moderator, Staff }

/// <summary>The three entry points: hub methods, REST endpoints, and the Blazor components' event handlers.</summary>
public enum Transport { Hub, Rest, Ui }

/// <summary>The app for the matrix, with one hub connection and one API client per demo account, reused by every case.</summary>
public sealed class MatrixApp : CommunityAppFactory, IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, Task<HubSession>> _sessions = new();
    private readonly ConcurrentDictionary<string, Task<HttpClient>> _clients = new();

    /// <summary>The room view of a UI case loads only the latest few messages: the case's own is the newest.</summary>
    protected override void ConfigureSettings(IDictionary<string, string?> settings) =>
        settings["Limits:DefaultPageSize"] = "5";

    public Task<HubSession> SessionAsync(string email) => _sessions.GetOrAdd(email, e => ConnectAsync(e));

    public Task<HttpClient> ApiAsync(string email) => _clients.GetOrAdd(email, CreateApiClientAsync);

    /// <summary>
    /// Two public rooms of the UI cases' own: a viewer who is a volunteer moderator moderates the first. Messages there
    /// are few, so the room view shows them all.
    /// </summary>
    public Task<(string Own, string Other)> UiRoomsAsync() => _uiRooms ??= CreateUiRoomsAsync();

    private Task<(string Own, string Other)>? _uiRooms;

    private async Task<(string Own, string Other)> CreateUiRoomsAsync()
    {
        await using var db = await Members.DbAsync(this);
        foreach (var slug in new[] { "matrix-own", "matrix-other" })
        {
            db.Rooms.Add(new SupportCommunity.Rooms.Room { Slug = slug, Name = slug, Topic = "", CreatedAt = DateTimeOffset.UtcNow });
        }

        await db.SaveChangesAsync();
        return ("matrix-own", "matrix-other");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        foreach (var session in _sessions.Values)
        {
            await (await session).DisposeAsync();
        }

        foreach (var client in _clients.Values)
        {
            (await client).Dispose();
        }
    }
}

/// <summary>
/// Every role against every moderation and role action of this area, against each kind of target, over the hub, over
/// REST and through the UI's event handlers: allowed actions store their change and one audit entry; refused ones
/// store nothing and audit nothing.
/// </summary>
/// <remarks>
/// The UI cases render the component that offers the action (the room's message menu and moderation dialog, the
/// members page) while the viewer is an admin, so every control is on screen; then the viewer's stored role becomes
/// the case's role, as after a revoke on another node whose notice has not arrived, and the control is clicked. Hiding
/// a button is not the check: the handler must be refused by the service, with the refusal shown.
/// </remarks>
public sealed class AuthorizationMatrixTests(MatrixApp app) : IClassFixture<MatrixApp>
{
    private const string Reason = "matrix reason";

    public static TheoryData<MatrixRole, MatrixAction, MatrixTarget, Transport> Cases()
    {
        var data = new TheoryData<MatrixRole, MatrixAction, MatrixTarget, Transport>();
        foreach (var role in Enum.GetValues<MatrixRole>())
        {
            foreach (var action in Enum.GetValues<MatrixAction>())
            {
                foreach (var target in Enum.GetValues<MatrixTarget>())
                {
                    foreach (var transport in Enum.GetValues<Transport>())
                    {
                        // The members page offers no grant of a role the member already holds (the agent target is an agent).
                        if (transport == Transport.Ui && action == MatrixAction.GrantAgent && target == MatrixTarget.Staff)
                        {
                            continue;
                        }

                        data.Add(role, action, target, transport);
                    }
                }
            }
        }

        return data;
    }

    /// <summary>The rules (design.md §2, ADR-0008), written out independently of the services.</summary>
    public static bool Expected(MatrixRole role, MatrixAction action, MatrixTarget target)
    {
        var manager = role is MatrixRole.Admin or MatrixRole.Manager;
        var admin = role == MatrixRole.Admin;
        var ownModerator = role == MatrixRole.ModeratorOwnRoom;
        return action switch
        {
            MatrixAction.EditAny or MatrixAction.DeleteAny => manager || (ownModerator && target == MatrixTarget.Customer),
            MatrixAction.Timeout or MatrixAction.RoomBan => (manager && target != MatrixTarget.Staff) || (ownModerator && target == MatrixTarget.Customer),
            MatrixAction.CommunityBan => manager && target != MatrixTarget.Staff,
            MatrixAction.Lift => manager || (ownModerator && target == MatrixTarget.Customer),
            MatrixAction.GrantTrusted or MatrixAction.GrantModerator => manager,
            MatrixAction.GrantManager or MatrixAction.GrantAgent => admin,
            MatrixAction.Revoke => target == MatrixTarget.Staff ? admin : manager,
            _ => false,
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Action_ByRole_OnTarget_IsAllowedOnlyWithinScope(MatrixRole role, MatrixAction action, MatrixTarget target, Transport transport)
    {
        var (own, other) = transport == Transport.Ui ? await app.UiRoomsAsync() : (General, Billing);
        var room = role == MatrixRole.ModeratorOtherRoom ? other : own;
        var setup = await ArrangeAsync(action, target, room);
        var before = await SnapshotAsync(setup);

        string actorId;
        bool allowed;
        if (transport == Transport.Ui)
        {
            var viewer = await Members.AddAsync(app, "Viewer " + role, [CommunityRoles.Admin]);
            actorId = viewer.UserId;
            allowed = await ActInUiAsync(role, action, setup, room, own, viewer);
        }
        else
        {
            actorId = await Members.IdOfAsync(app, EmailOf(role));
            allowed = await ActAsync(role, action, setup, room, transport);
        }

        var after = await SnapshotAsync(setup);
        Assert.Equal(Expected(role, action, target), allowed);
        if (allowed)
        {
            Assert.Equal(before.AuditEntries + 1, after.AuditEntries);
            if (!(action == MatrixAction.GrantAgent && target == MatrixTarget.Staff))
            {
                // Something changed besides the log (granting an agent the agent role again changes nothing).
                Assert.NotEqual(before with { AuditEntries = 0 }, after with { AuditEntries = 0 });
            }

            var entry = await LastAuditAsync(setup.Target.UserId);
            Assert.Equal(Reason, entry.Reason);
            Assert.Equal(actorId, entry.ActorId);
        }
        else
        {
            // Nothing changed; the log holds at most the attempt itself, by the caller, with the refusal as reason.
            Assert.Equal(before with { AuditEntries = 0 }, after with { AuditEntries = 0 });
            var attempts = await AuditSinceAsync(setup.Target.UserId, before.AuditEntries);
            Assert.InRange(attempts.Count, 0, 1);
            Assert.All(attempts, e =>
            {
                Assert.Equal((AuditActions.AccessDenied, actorId), (e.Action, e.ActorId));
                Assert.False(string.IsNullOrWhiteSpace(e.Reason));
            });
        }
    }

    private async Task<IReadOnlyList<AuditEntry>> AuditSinceAsync(string targetId, int skip)
    {
        await using var db = await Members.DbAsync(app);
        return await db.AuditEntries.AsNoTracking().Where(e => e.TargetUserId == targetId).OrderBy(e => e.Id).Skip(skip).ToListAsync();
    }

    private sealed record Setup(Actor Target, MessageDto Message, long SanctionId, string RevokeRole);

    private sealed record Snapshot(int AuditEntries, string Body, bool Deleted, int Sanctions, int ActiveSanctions, string Roles, string Rooms);

    private async Task<Setup> ArrangeAsync(MatrixAction action, MatrixTarget target, string room)
    {
        string[] roles = target switch
        {
            MatrixTarget.Moderator => [CommunityRoles.VolunteerModerator],
            MatrixTarget.Staff => [CommunityRoles.SupportAgent],
            _ => action == MatrixAction.Revoke ? [CommunityRoles.Customer, CommunityRoles.TrustedMember] : [CommunityRoles.Customer],
        };
        var member = await Members.AddAsync(app, "Target " + target, roles, target == MatrixTarget.Moderator ? [Feedback] : []);
        var message = await app.Services.GetRequiredService<MessageService>()
            .SendAsync(member, room, Guid.NewGuid(), $"A message by a {target} target");

        long sanctionId = 0;
        if (action == MatrixAction.Lift)
        {
            // A room ban from before the target's current role (staff cannot be banned now), written as setup.
            await using var db = await Members.DbAsync(app);
            var sanction = new Sanction
            {
                UserId = member.UserId,
                Kind = SanctionKind.RoomBan,
                RoomId = await db.Rooms.Where(r => r.Slug == room).Select(r => r.Id).SingleAsync(),
                Reason = "setup",
                CreatedById = await Members.IdOfAsync(app, Admin),
                CreatedAt = DateTimeOffset.UtcNow,
                ExpiresAt = DateTimeOffset.UtcNow.AddDays(1),
            };
            db.Sanctions.Add(sanction);
            await db.SaveChangesAsync();
            sanctionId = sanction.Id;
            app.Services.GetRequiredService<ActorDirectory>().Forget(member.UserId);
        }

        var revoke = target switch
        {
            MatrixTarget.Moderator => CommunityRoles.VolunteerModerator,
            MatrixTarget.Staff => CommunityRoles.SupportAgent,
            _ => CommunityRoles.TrustedMember,
        };
        return new Setup(member, message, sanctionId, revoke);
    }

    private async Task<Snapshot> SnapshotAsync(Setup setup)
    {
        await using var db = await Members.DbAsync(app);
        var id = setup.Target.UserId;
        var message = await db.Messages.AsNoTracking().SingleAsync(m => m.Id == setup.Message.Id);
        var sanctions = await db.Sanctions.AsNoTracking().Where(s => s.UserId == id).ToListAsync();
        var rooms = await db.RoomModerators.Where(m => m.UserId == id).Select(m => m.RoomId).OrderBy(r => r).ToListAsync();
        return new Snapshot(
            await db.AuditEntries.CountAsync(e => e.TargetUserId == id),
            message.Body,
            message.DeletedAt is not null,
            sanctions.Count,
            sanctions.Count(s => s.RevokedAt is null),
            string.Join(",", await Members.RolesOfAsync(app, id)),
            string.Join(",", rooms));
    }

    private async Task<AuditEntry> LastAuditAsync(string targetId)
    {
        await using var db = await Members.DbAsync(app);
        return await db.AuditEntries.AsNoTracking().Where(e => e.TargetUserId == targetId).OrderByDescending(e => e.Id).FirstAsync();
    }

    private async Task<bool> ActAsync(MatrixRole role, MatrixAction action, Setup setup, string room, Transport transport)
    {
        var email = EmailOf(role);
        var targetId = setup.Target.UserId;
        if (transport == Transport.Hub)
        {
            var hub = (await app.SessionAsync(email)).Connection;
            Task call = action switch
            {
                MatrixAction.EditAny => hub.InvokeAsync<MessageDto>("ModerateEditMessage", setup.Message.Id, "Edited by the matrix", Reason),
                MatrixAction.DeleteAny => hub.InvokeAsync<MessageDto>("ModerateDeleteMessage", setup.Message.Id, Reason),
                MatrixAction.Timeout => hub.InvokeAsync<SanctionDto>("TimeoutUser", targetId, 10, Reason, room),
                MatrixAction.RoomBan => hub.InvokeAsync<SanctionDto>("BanFromRoom", targetId, room, 60, Reason),
                MatrixAction.CommunityBan => hub.InvokeAsync<SanctionDto>("BanFromCommunity", targetId, null, Reason),
                MatrixAction.Lift => hub.InvokeAsync<SanctionDto>("LiftSanction", setup.SanctionId, Reason),
                MatrixAction.GrantTrusted => hub.InvokeAsync<MemberRightsDto>("GrantRole", targetId, CommunityRoles.TrustedMember, null, Reason),
                MatrixAction.GrantModerator => hub.InvokeAsync<MemberRightsDto>("GrantRole", targetId, CommunityRoles.VolunteerModerator, new[] { room }, Reason),
                MatrixAction.GrantManager => hub.InvokeAsync<MemberRightsDto>("GrantRole", targetId, CommunityRoles.CommunityManager, null, Reason),
                MatrixAction.GrantAgent => hub.InvokeAsync<MemberRightsDto>("GrantRole", targetId, CommunityRoles.SupportAgent, null, Reason),
                MatrixAction.Revoke => hub.InvokeAsync<MemberRightsDto>("RevokeRole", targetId, setup.RevokeRole, null, Reason),
                _ => throw new ArgumentOutOfRangeException(nameof(action)),
            };
            try
            {
                await call.WaitAsync(CommunityAppFactory.Timeout);
                return true;
            }
            catch (HubException refusal)
            {
                Assert.DoesNotContain("Something went wrong", refusal.Message, StringComparison.Ordinal);
                return false;
            }
        }

        var api = await app.ApiAsync(email);
        using var response = action switch
        {
            MatrixAction.EditAny => await api.PostAsJsonAsync($"/api/moderation/messages/{setup.Message.Id}/edit", new { body = "Edited by the matrix", reason = Reason }),
            MatrixAction.DeleteAny => await api.PostAsJsonAsync($"/api/moderation/messages/{setup.Message.Id}/delete", new { reason = Reason }),
            MatrixAction.Timeout => await api.PostAsJsonAsync("/api/moderation/sanctions", new { userId = targetId, kind = "timeout", roomSlug = room, minutes = 10, reason = Reason }),
            MatrixAction.RoomBan => await api.PostAsJsonAsync("/api/moderation/sanctions", new { userId = targetId, kind = "room-ban", roomSlug = room, minutes = 60, reason = Reason }),
            MatrixAction.CommunityBan => await api.PostAsJsonAsync("/api/moderation/sanctions", new { userId = targetId, kind = "community-ban", reason = Reason }),
            MatrixAction.Lift => await api.PostAsJsonAsync($"/api/moderation/sanctions/{setup.SanctionId}/lift", new { reason = Reason }),
            MatrixAction.GrantTrusted => await api.PostAsJsonAsync("/api/moderation/rights/grant", new { userId = targetId, role = CommunityRoles.TrustedMember, reason = Reason }),
            MatrixAction.GrantModerator => await api.PostAsJsonAsync("/api/moderation/rights/grant", new { userId = targetId, role = CommunityRoles.VolunteerModerator, rooms = new[] { room }, reason = Reason }),
            MatrixAction.GrantManager => await api.PostAsJsonAsync("/api/moderation/rights/grant", new { userId = targetId, role = CommunityRoles.CommunityManager, reason = Reason }),
            MatrixAction.GrantAgent => await api.PostAsJsonAsync("/api/moderation/rights/grant", new { userId = targetId, role = CommunityRoles.SupportAgent, reason = Reason }),
            MatrixAction.Revoke => await api.PostAsJsonAsync("/api/moderation/rights/revoke", new { userId = targetId, role = setup.RevokeRole, reason = Reason }),
            _ => throw new ArgumentOutOfRangeException(nameof(action)),
        };
        var status = (int)response.StatusCode;
        Assert.True(status is < 300 or 400 or 403 or 404 or 409, $"Unexpected status {status}: {await response.Content.ReadAsStringAsync()}");
        return response.IsSuccessStatusCode;
    }

    /// <summary>
    /// The action through the UI: rendered for an admin, the viewer then holds <paramref name="role"/> only, and the
    /// control is clicked. True when the component reports success; a refusal must be shown to the viewer.
    /// </summary>
    private async Task<bool> ActInUiAsync(MatrixRole role, MatrixAction action, Setup setup, string room, string ownRoom, Actor viewer)
    {
        await using var ui = new AppComponents(app);
        ui.SignIn(viewer);
        if (action is MatrixAction.EditAny or MatrixAction.DeleteAny or MatrixAction.Timeout or MatrixAction.RoomBan or MatrixAction.CommunityBan)
        {
            var view = ui.Render<SupportCommunity.Web.Rooms.RoomView>(p => p.Add(r => r.Slug, room));
            var message = await view.WaitForElementAsync(
                $"[data-testid=message][data-sequence='{setup.Message.Sequence}'] [data-testid=moderation-menu] button", CommunityAppFactory.Timeout);
            await DemoteAsync(viewer, role, ownRoom);

            message.Click();
            await ui.ClickMenuItemAsync(action switch
            {
                MatrixAction.EditAny => "[data-testid=moderate-edit]",
                MatrixAction.DeleteAny => "[data-testid=moderate-delete]",
                MatrixAction.Timeout => "[data-testid=moderate-timeout]",
                MatrixAction.RoomBan => "[data-testid=moderate-ban]",
                _ => "[data-testid=moderate-community-ban]",
            });
            var reason = await ui.Dialogs.WaitForElementAsync(
                "textarea[data-testid=moderation-reason], [data-testid=moderation-reason] textarea", CommunityAppFactory.Timeout);
            if (action == MatrixAction.EditAny)
            {
                ui.Dialogs.Find("textarea[data-testid=moderation-body], [data-testid=moderation-body] textarea").Change("Edited by the matrix");
            }

            reason.Input(Reason);
            ui.Dialogs.Find("[data-testid=moderation-confirm]").Click();
            var (severity, text) = await ui.NextToastAsync(seen: 0);
            Assert.True(severity is "success" or "warning", $"{severity}: {text}");
            Assert.DoesNotContain("Something went wrong", text, StringComparison.Ordinal);
            return severity == "success";
        }

        var navigation = ui.Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo(navigation.GetUriWithQueryParameter("user", setup.Target.UserId));
        var page = ui.Render<SupportCommunity.Web.Moderation.MembersPage>();
        await page.WaitForElementAsync("[data-testid=member-detail]", CommunityAppFactory.Timeout);
        var control = action switch
        {
            MatrixAction.Lift => $"[data-testid=member-sanction][data-sanction-id='{setup.SanctionId}'] [data-testid=sanction-lift]",
            MatrixAction.GrantTrusted => $"[data-testid=role-row][data-role={CommunityRoles.TrustedMember}] [data-testid=role-grant]",
            MatrixAction.GrantModerator => $"[data-testid=role-row][data-role={CommunityRoles.VolunteerModerator}] [data-testid=role-grant]",
            MatrixAction.GrantManager => $"[data-testid=role-row][data-role={CommunityRoles.CommunityManager}] [data-testid=role-grant]",
            MatrixAction.GrantAgent => $"[data-testid=role-row][data-role={CommunityRoles.SupportAgent}] [data-testid=role-grant]",
            _ => $"[data-testid=role-row][data-role={setup.RevokeRole}] [data-testid=role-revoke]",
        };
        if (action == MatrixAction.GrantModerator)
        {
            page.Find($"input[data-testid=room-choice][data-room='{room}'], [data-testid=room-choice][data-room='{room}'] input").Change(true);
        }

        await DemoteAsync(viewer, role, ownRoom);
        page.Find(control).Click();
        await ui.ConfirmReasonAsync(Reason);
        await page.WaitForAssertionAsync(
            () => Assert.True(ui.Toasts.Count > 0 || page.FindAll("[data-testid=members-refusal]").Count > 0), CommunityAppFactory.Timeout);
        var succeeded = ui.Toasts.Any(t => t.Severity == "success");
        if (!succeeded)
        {
            var refusal = page.Find("[data-testid=members-refusal]").TextContent.Trim();
            Assert.NotEmpty(refusal);
            Assert.DoesNotContain("Something went wrong", refusal, StringComparison.Ordinal);
        }

        return succeeded;
    }

    /// <summary>The viewer's stored roles become the case's (a volunteer moderator moderates <paramref name="ownRoom"/>).</summary>
    private Task DemoteAsync(Actor viewer, MatrixRole role, string ownRoom) => role switch
    {
        MatrixRole.Admin => Members.SetRolesAsync(app, viewer.UserId, [CommunityRoles.Admin]),
        MatrixRole.Manager => Members.SetRolesAsync(app, viewer.UserId, [CommunityRoles.CommunityManager]),
        MatrixRole.Agent => Members.SetRolesAsync(app, viewer.UserId, [CommunityRoles.SupportAgent]),
        MatrixRole.ModeratorOwnRoom or MatrixRole.ModeratorOtherRoom => Members.SetRolesAsync(app, viewer.UserId, [CommunityRoles.VolunteerModerator], ownRoom),
        MatrixRole.TrustedMember => Members.SetRolesAsync(app, viewer.UserId, [CommunityRoles.TrustedMember]),
        _ => Members.SetRolesAsync(app, viewer.UserId, [CommunityRoles.Customer]),
    };

    private static string EmailOf(MatrixRole role) => role switch
    {
        MatrixRole.Admin => Admin,
        MatrixRole.Manager => Manager,
        MatrixRole.Agent => Agent,
        MatrixRole.ModeratorOwnRoom or MatrixRole.ModeratorOtherRoom => Moderator,
        MatrixRole.TrustedMember => Member,
        _ => Customer,
    };
}
