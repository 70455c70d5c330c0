using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SupportCommunity.Data;
using SupportCommunity.Identity;
using SupportCommunity.Moderation;
using static Microsoft.Playwright.Assertions;

namespace SupportCommunity.Browser.Tests;

/// <summary>The members and roles page in Chromium: a manager grants trust and undoes it and lifts a timeout; an admin sees the staff roles.</summary>
public sealed class MembersBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Manager_GrantsTrustUndoesItAndLiftsATimeout_AdminIsOfferedStaffRoles()
    {
        // Casey (customer2) was timed out earlier today, by the admin.
        var services = fixture.App.Services;
        await using (var db = await services.GetRequiredService<IDbContextFactory<CommunityDbContext>>().CreateDbContextAsync())
        {
            var adminUser = await db.Users.SingleAsync(u => u.Email == "admin@demo.test");
            var casey = await db.Users.SingleAsync(u => u.Email == "customer2@demo.test");
            await services.GetRequiredService<SanctionService>().TimeoutAsync(
                new Actor(adminUser.Id, adminUser.DisplayName, new HashSet<string> { CommunityRoles.Admin }), casey.Id, TimeSpan.FromHours(1), "Spam links in #general");
        }

        await using var manager = await fixture.NewUserAsync();
        await manager.SignInWithDemoPickerAsync("manager@demo.test");
        // Signing in lands in the first room. Click on once it is interactive, as a person would: a click while its
        // circuit was still starting twice left the members page prerendered and never interactive (15 s) in full runs.
        await Expect(manager.ReadyRoom).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await manager.Page.GetByTestId("members-link").ClickAsync();
        await Expect(manager.Page.Locator("[data-testid=members-page][data-ready=true]")).ToBeVisibleAsync();
        await Expect(manager.Page.GetByTestId("member-none")).ToBeVisibleAsync();

        await manager.Page.Locator("input[data-testid=members-search], [data-testid=members-search] input").FillAsync("Casey");
        await manager.Page.GetByTestId("member-result").Filter(new() { HasText = "Casey Brooks" }).ClickAsync();
        var detail = manager.Page.GetByTestId("member-detail");
        await Expect(detail.GetByTestId("member-name")).ToHaveTextAsync("Casey Brooks");
        await Expect(detail.GetByTestId("role-row")).ToHaveCountAsync(2);
        await Expect(detail.GetByTestId("member-sanction")).ToContainTextAsync("Spam links in #general");
        await manager.ScreenshotAsync(Path.Combine(fixture.ScreenshotDir, "members-manager.png"), fullPage: false);

        // Grant trust with a reason; the toast offers to undo it.
        var trusted = detail.Locator("[data-testid=role-row][data-role=TrustedMember]");
        await trusted.GetByTestId("role-grant").ClickAsync();
        await Expect(manager.Page.Locator(".mud-dialog")).ToContainTextAsync("Make Casey Brooks a trusted member");
        await manager.Page.Locator("[data-testid=reason-input] input, input[data-testid=reason-input]").FillAsync("Helps others in #billing");
        await manager.Page.GetByTestId("reason-confirm").ClickAsync();
        await Expect(trusted).ToHaveAttributeAsync("data-held", "true");
        var toast = manager.Page.Locator(".mud-snackbar").Filter(new() { HasText = "Trusted member granted" });
        await Expect(toast).ToBeVisibleAsync();
        await manager.ScreenshotAsync(Path.Combine(fixture.ScreenshotDir, "members-granted-undo.png"), fullPage: false);
        await toast.GetByRole(AriaRole.Button, new() { Name = "Undo" }).ClickAsync();
        await Expect(trusted).ToHaveAttributeAsync("data-held", "false");

        // Unmute, with a reason.
        await detail.GetByTestId("sanction-lift").ClickAsync();
        await manager.Page.Locator("[data-testid=reason-input] input, input[data-testid=reason-input]").FillAsync("Appeal accepted");
        await manager.Page.GetByTestId("reason-confirm").ClickAsync();
        await Expect(detail.GetByTestId("member-sanction")).ToHaveAttributeAsync("data-active", "false");
        await Expect(detail.GetByTestId("member-sanction")).ToContainTextAsync("lifted");

        // The admin is offered the staff roles too.
        await using var admin = await fixture.NewUserAsync();
        await admin.SignInWithDemoPickerAsync("admin@demo.test");
        await admin.Page.GotoAsync("moderation/members");
        await Expect(admin.Page.Locator("[data-testid=members-page][data-ready=true]")).ToBeVisibleAsync();
        await admin.Page.Locator("input[data-testid=members-search], [data-testid=members-search] input").FillAsync("Theo");
        await admin.Page.GetByTestId("member-result").Filter(new() { HasText = "Theo Ruiz" }).ClickAsync();
        var adminDetail = admin.Page.GetByTestId("member-detail");
        await Expect(adminDetail.GetByTestId("role-row")).ToHaveCountAsync(4);
        await Expect(adminDetail.GetByTestId("moderated-room")).ToHaveTextAsync("#general");
        await admin.ScreenshotAsync(Path.Combine(fixture.ScreenshotDir, "members-admin.png"), fullPage: false);
        Assert.Empty(manager.Dialogs);
        Assert.Empty(admin.Dialogs);
    }
}
