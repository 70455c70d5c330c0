using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace SupportCommunity.Browser.Tests;

/// <summary>
/// The app under its Content-Security-Policy in a real Chromium: everything a member does on the room page works,
/// and the browser reports no violation. A canary at the end proves the listener hears violations and the policy
/// blocks inline script.
/// </summary>
public sealed partial class SecurityBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task RoomPage_UnderTheContentSecurityPolicy_WorksWithNoViolation()
    {
        await using var member = await fixture.NewUserAsync();
        var violations = await CspViolations.WatchAsync(member.Page);

        var signIn = await member.Page.GotoAsync("signin");
        AssertPolicy(await signIn!.HeaderValueAsync("content-security-policy"));
        await member.Page.GetByTestId("demo-member@demo.test").ClickAsync();
        await Expect(member.Page.GetByTestId("signed-in-user")).ToBeVisibleAsync(new() { Timeout = 15_000 });

        var room = await member.Page.GotoAsync("rooms/general");
        AssertPolicy(await room!.HeaderValueAsync("content-security-policy"));
        Assert.Equal("DENY", await room.HeaderValueAsync("x-frame-options"));
        Assert.Equal("nosniff", await room.HeaderValueAsync("x-content-type-options"));
        await member.WaitForRoomAsync("general");

        // Send (markdown with a link), edit and delete through MudBlazor's hover actions and confirmation.
        var tag = Guid.NewGuid().ToString("N")[..8];
        await member.Composer.FillAsync($"See **[the guide](https://example.com/guide)** [{tag}]");
        await UserSession.PressEnterAsync(member.Composer);
        await Expect(member.MessagesWith(tag)).ToHaveCountAsync(1);
        var sequence = await member.MessagesWith(tag).GetAttributeAsync("data-sequence");
        var mine = member.Page.Locator($"[data-testid=message][data-sequence='{sequence}']");
        await Expect(mine.Locator("a[href='https://example.com/guide']")).ToHaveCountAsync(1);
        await mine.HoverAsync();
        await mine.GetByTestId("edit-message").ClickAsync();
        await mine.GetByTestId("edit-input").FillAsync($"Edited [{tag}]");
        await mine.GetByTestId("edit-save").ClickAsync();
        await Expect(mine.GetByText("(edited)")).ToBeVisibleAsync();
        await mine.HoverAsync();
        await mine.GetByTestId("delete-message").ClickAsync();
        await mine.GetByTestId("delete-confirm").ClickAsync();
        await Expect(mine.GetByTestId("message-body")).ToHaveTextAsync("This message was deleted.");

        // Another room, the dark theme, and the banner's Reload link (a script listener, not an inline handler).
        await member.Page.GetByTestId("room-link-billing").ClickAsync();
        await member.WaitForRoomAsync("billing");
        await member.Page.GetByTestId("theme-toggle").ClickAsync();
        await Expect(member.Page.Locator("body")).ToHaveCSSAsync("background-color", "rgb(20, 21, 28)");
        var reloaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        member.Page.Load += (_, _) => reloaded.TrySetResult();
        await member.Page.EvaluateAsync("() => document.querySelector('[data-reload]').click()");
        await reloaded.Task.WaitAsync(TimeSpan.FromSeconds(15));
        await member.WaitForRoomAsync("billing");

        // Sign out through the button's form, which carries its antiforgery token.
        await member.Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(member.Page).ToHaveURLAsync(SignInUrl());
        await Expect(member.Page.GetByTestId("signin-submit")).ToBeVisibleAsync();

        Assert.True(violations.All.Count == 0, "Content-Security-Policy violations:\n" + string.Join("\n", violations.All));
        Assert.Empty(member.Dialogs);

        // The canary: an injected inline script is blocked, and the listener hears it. The report may arrive before
        // the evaluation returns, so the wait for it starts before the script is injected.
        var report = violations.Next;
        var ran = await member.Page.EvaluateAsync<bool>(
            "() => { const s = document.createElement('script'); s.textContent = 'window.__canary = true'; document.head.appendChild(s); return window.__canary === true; }");
        Assert.False(ran, "an inline script without the nonce ran");
        var heard = await report.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("script-src", heard, StringComparison.Ordinal);
    }

    private static void AssertPolicy(string? policy)
    {
        Assert.NotNull(policy);
        Assert.Matches(ScriptSource(), policy);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", policy, StringComparison.Ordinal);
    }

    [GeneratedRegex("script-src 'self' 'nonce-[0-9A-F]{32}';")]
    private static partial Regex ScriptSource();

    [GeneratedRegex("/signin$")]
    private static partial Regex SignInUrl();

    /// <summary>Every <c>securitypolicyviolation</c> event of a page, over reloads and navigations.</summary>
    private sealed class CspViolations
    {
        private readonly Lock _gate = new();
        private readonly List<string> _all = [];
        private TaskCompletionSource<string> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyList<string> All
        {
            get
            {
                lock (_gate)
                {
                    return [.. _all];
                }
            }
        }

        /// <summary>The next violation reported from now on.</summary>
        public Task<string> Next
        {
            get
            {
                lock (_gate)
                {
                    return _next.Task;
                }
            }
        }

        public static async Task<CspViolations> WatchAsync(IPage page)
        {
            var violations = new CspViolations();
            await page.ExposeFunctionAsync<string>("__reportCspViolation", violations.Add);
            // Runs in every document the page loads, before its own scripts.
            await page.AddInitScriptAsync("""
                document.addEventListener("securitypolicyviolation", e => window.__reportCspViolation(
                    `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber} (${e.disposition})`), true);
                """);
            return violations;
        }

        private void Add(string violation)
        {
            TaskCompletionSource<string> next;
            lock (_gate)
            {
                _all.Add(violation);
                next = _next;
                _next = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            next.TrySetResult(violation);
        }
    }
}
