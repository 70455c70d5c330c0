using AngleSharp.Dom;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;
using SupportCommunity.Rooms;
using SupportCommunity.Web.Tests.Integration.Moderation;

namespace SupportCommunity.Web.Tests.Integration.Security;

public enum UiAct { Send, EditOwn, DeleteOwn, Report, React }

/// <summary>
/// The sanctioned callers of <see cref="AccessMatrixTests"/> through the room view's event handlers (the composer, a
/// message's edit, delete and report controls, and a reaction chip on another's message). The view is rendered while
/// the member is in good standing, then the sanction is stored without its notice reaching the circuit (as on another
/// node with the bus down), and the control is clicked: the service must refuse, the refusal must be shown, and
/// nothing may be stored.
/// </summary>
public sealed class AccessMatrixUiTests(MatrixApp app) : IClassFixture<MatrixApp>
{
    private const string Edited = "Edited in the room view (matrix)";
    private const string Reaction = "🎉";

    public static TheoryData<Caller, UiAct> Cases()
    {
        var data = new TheoryData<Caller, UiAct>();
        foreach (var caller in new[] { Caller.Customer, Caller.TimedOut, Caller.RoomBanned, Caller.CommunityBanned })
        {
            foreach (var act in Enum.GetValues<UiAct>())
            {
                data.Add(caller, act);
            }
        }

        return data;
    }

    /// <summary>The same rules as <see cref="AccessMatrixTests.Expected"/>, for the room the view shows.</summary>
    public static bool Allowed(Caller caller, UiAct act) => caller switch
    {
        Caller.Customer => true,
        Caller.TimedOut => act is UiAct.DeleteOwn or UiAct.Report,
        _ => false,
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task RoomViewHandler_BySanctionedMember_IsAllowedOnlyByTheRulesAndRefusalsStoreNothing(Caller caller, UiAct act)
    {
        var room = "ui-" + Guid.NewGuid().ToString("N")[..10];
        await using (var db = await Members.DbAsync(app))
        {
            db.Rooms.Add(new Room { Slug = room, Name = room, Topic = "", CreatedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }

        var viewer = await Members.AddAsync(app, "Viewer " + caller, [CommunityRoles.Customer]);
        var other = await Members.AddAsync(app, "Other " + caller, [CommunityRoles.Customer]);
        var messages = app.Services.GetRequiredService<MessageService>();
        var own = await messages.SendAsync(viewer, room, Guid.NewGuid(), $"My own words ({caller} {act})");
        var others = await messages.SendAsync(other, room, Guid.NewGuid(), $"Someone else's words ({caller} {act})");
        if (act == UiAct.React)
        {
            // A reaction already on the other's message: its chip is the control a member clicks to add theirs. Only
            // here: its live notice may reach the view after the first render, and re-render a message being edited.
            await messages.ToggleReactionAsync(other, others.Id, Reaction);
        }

        await using var ui = new AppComponents(app);
        ui.SignIn(viewer);
        var view = ui.Render<SupportCommunity.Web.Rooms.RoomView>(p => p.Add(r => r.Slug, room));
        var ownItem = $"[data-testid=message][data-sequence='{own.Sequence}']";
        var otherItem = $"[data-testid=message][data-sequence='{others.Sequence}']";
        await view.WaitForElementAsync($"{ownItem} [data-testid=edit-message]", CommunityAppFactory.Timeout);
        await view.WaitForElementAsync($"{otherItem} [data-testid=report-message]", CommunityAppFactory.Timeout);
        var chip = $"{otherItem} [data-testid=reaction][data-emoji='{Reaction}']";
        if (act == UiAct.React)
        {
            await view.WaitForElementAsync(chip, CommunityAppFactory.Timeout);
        }
        var sentText = $"Sent from the room view {Guid.NewGuid():N}";
        if (act == UiAct.Send)
        {
            await view.Find("[data-testid=composer-input]").InputAsync(new ChangeEventArgs { Value = sentText });
        }

        await SanctionAsync(caller, viewer.UserId, room);
        var before = await SnapshotAsync(room, own.Id, others.Id);

        switch (act)
        {
            case UiAct.Send:
                view.Find("[data-testid=composer-send]").Click();
                break;
            case UiAct.EditOwn:
                view.Find($"{ownItem} [data-testid=edit-message]").Click();
                await (await view.WaitForElementAsync($"{ownItem} [data-testid=edit-input]", CommunityAppFactory.Timeout))
                    .InputAsync(new ChangeEventArgs { Value = Edited });
                view.Find($"{ownItem} [data-testid=edit-save]").Click();
                break;
            case UiAct.DeleteOwn:
                view.Find($"{ownItem} [data-testid=delete-message]").Click();
                view.Find($"{ownItem} [data-testid=delete-confirm]").Click();
                break;
            case UiAct.React:
                view.Find(chip).Click();
                break;
            default:
                view.Find($"{otherItem} [data-testid=report-message]").Click();
                (await ui.Dialogs.WaitForElementAsync("[data-testid=report-submit]", CommunityAppFactory.Timeout)).Click();
                break;
        }

        // Done when a toast shows (a refusal, or a report's thanks) or the view shows the change.
        bool Shown(IRenderedComponent<SupportCommunity.Web.Rooms.RoomView> v) => act switch
        {
            UiAct.Send => v.FindAll("[data-testid=message-body]").Any(b => b.TextContent.Contains(sentText, StringComparison.Ordinal)),
            UiAct.EditOwn => v.FindAll($"{ownItem} [data-testid=message-body]").Any(b => b.TextContent.Contains(Edited, StringComparison.Ordinal)),
            UiAct.DeleteOwn => v.FindAll($"{ownItem}").Any(IsDeleted),
            UiAct.React => v.FindAll(chip).Any(c => c.GetAttribute("aria-pressed") == "true"),
            _ => false,
        };
        await view.WaitForAssertionAsync(() => Assert.True(ui.Toasts.Count > 0 || Shown(view)), CommunityAppFactory.Timeout);

        var after = await SnapshotAsync(room, own.Id, others.Id);
        var warning = ui.Toasts.FirstOrDefault(t => t.Severity is "warning" or "error");
        if (Allowed(caller, act))
        {
            Assert.True(warning == default, $"Refused: {warning.Text}");
            Assert.NotEqual(before, after);
            return;
        }

        Assert.Equal("warning", warning.Severity);
        Assert.False(string.IsNullOrWhiteSpace(warning.Text));
        Assert.DoesNotContain("Something went wrong", warning.Text, StringComparison.Ordinal);
        Assert.Equal(before, after);
    }

    private static bool IsDeleted(IElement article) => article.ClassList.Contains("deleted");

    private async Task SanctionAsync(Caller caller, string userId, string room)
    {
        if (caller == Caller.Customer)
        {
            return;
        }

        await using var db = await Members.DbAsync(app);
        db.Sanctions.Add(new Sanction
        {
            UserId = userId,
            Kind = caller switch
            {
                Caller.TimedOut => SanctionKind.Timeout,
                Caller.RoomBanned => SanctionKind.RoomBan,
                _ => SanctionKind.CommunityBan,
            },
            RoomId = caller == Caller.RoomBanned ? await db.Rooms.Where(r => r.Slug == room).Select(r => r.Id).SingleAsync() : null,
            Reason = "Matrix sanction",
            CreatedById = await Members.IdOfAsync(app, Accounts.Manager),
            CreatedAt = DateTimeOffset.UtcNow,
            ExpiresAt = DateTimeOffset.UtcNow.AddDays(1),
        });
        await db.SaveChangesAsync();
        // Setup, not a moderator's action: no notice on the bus reaches the open view.
        app.Services.GetRequiredService<ActorDirectory>().Forget(userId);
    }

    private sealed record Snapshot(int Messages, string Own, bool OwnDeleted, int Reports, int Reactions, string OtherReactions, int Audit);

    private async Task<Snapshot> SnapshotAsync(string room, long ownId, long otherId)
    {
        await using var db = await Members.DbAsync(app);
        var ownRow = await db.Messages.AsNoTracking().SingleAsync(m => m.Id == ownId);
        return new Snapshot(
            await db.Messages.CountAsync(m => m.RoomId == ownRow.RoomId),
            ownRow.Body,
            ownRow.DeletedAt is not null,
            await db.Reports.CountAsync(r => r.MessageId == otherId),
            await db.MessageReactions.CountAsync(r => r.MessageId == otherId),
            await db.Messages.Where(m => m.Id == otherId).Select(m => m.Reactions).SingleAsync(),
            await db.AuditEntries.CountAsync(e => e.RoomId == ownRow.RoomId && e.Action != AuditActions.AccessDenied));
    }
}
