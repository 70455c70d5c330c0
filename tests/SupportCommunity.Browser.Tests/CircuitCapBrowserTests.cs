using System.Diagnostics;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SupportCommunity.Identity;
using SupportCommunity.Web.Security;
using static Microsoft.Playwright.Assertions;

namespace SupportCommunity.Browser.Tests;

/// <summary>
/// Issue 8, item 4: open Blazor circuits (tabs) are capped per user and per client address, in a real Chromium over
/// real circuits. The tab over the cap says why instead of staying blank, and a closed tab frees its slot.
/// </summary>
public sealed class CircuitCapBrowserTests(CircuitCapBrowserTests.Fixture fixture) : IClassFixture<CircuitCapBrowserTests.Fixture>
{
    public const int PerUser = 2;
    public const int PerIp = 4;

    [Fact]
    public async Task ThirdTab_OverThePerUserCap_SaysWhy_AndAClosedTabFreesItsSlot()
    {
        await using var customer = await fixture.NewUserAsync();
        await customer.SignInWithDemoPickerAsync("customer@demo.test");
        var userId = await fixture.UserIdAsync("customer@demo.test");
        await customer.OpenRoomAsync("general");
        var second = await customer.Context.NewPageAsync();
        await second.GotoAsync("rooms/general");
        await Expect(second.Locator("[data-testid=room][data-ready=true]")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await fixture.OpenCircuitsAsync(userId, PerUser);

        var third = await customer.Context.NewPageAsync();
        await third.GotoAsync("rooms/general");
        var refusal = third.GetByTestId("circuit-refused");
        await Expect(refusal).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Expect(refusal).ToContainTextAsync($"too many tabs: at most {PerUser} at a time");
        await Expect(refusal.GetByRole(AriaRole.Link, new() { Name = "Reload" })).ToBeVisibleAsync();
        await Expect(third.Locator("[data-testid=room]")).ToHaveCountAsync(0);
        Assert.Equal(PerUser, fixture.Circuits.OpenFor(userId));
        await third.ScreenshotAsync(new() { Path = Path.Combine(fixture.ScreenshotDir, "circuit-refused.png") });

        // Closing a tab ends its circuit (the browser tells the server as the page goes), and the slot is free again.
        var closing = Stopwatch.StartNew();
        await second.CloseAsync();
        await fixture.OpenCircuitsAsync(userId, PerUser - 1);
        var freedAfter = closing.Elapsed;
        await third.GetByTestId("circuit-refused").GetByRole(AriaRole.Link, new() { Name = "Reload" }).ClickAsync();
        await Expect(third.Locator("[data-testid=room][data-ready=true]")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Expect(third.GetByTestId("circuit-refused")).ToHaveCountAsync(0);
        await fixture.OpenCircuitsAsync(userId, PerUser);
        Console.WriteLine($"A closed tab freed its circuit slot after {freedAfter.TotalMilliseconds:F0} ms.");

        await third.CloseAsync();
        await customer.Page.CloseAsync();
        await fixture.OpenCircuitsAsync(userId, 0);
        await fixture.OpenFromLoopbackAsync(0);
    }

    [Fact]
    public async Task FifthTab_FromOneAddress_OverThePerIpCap_SaysWhy()
    {
        // Four circuits from four accounts, all on 127.0.0.1: no user is over their own cap.
        var sessions = new List<UserSession>();
        try
        {
            foreach (var email in new[] { "manager@demo.test", "member@demo.test", "moderator@demo.test", "agent@demo.test" })
            {
                var session = await fixture.NewUserAsync();
                sessions.Add(session);
                await session.SignInWithDemoPickerAsync(email);
            }

            var last = await fixture.NewUserAsync();
            sessions.Add(last);
            await last.Page.GotoAsync("signin");
            await last.Page.GetByTestId("demo-customer2@demo.test").ClickAsync();
            var refusal = last.Page.GetByTestId("circuit-refused");
            await Expect(refusal).ToBeVisibleAsync(new() { Timeout = 15_000 });
            await Expect(refusal).ToContainTextAsync($"from your network address: at most {PerIp} at a time");
        }
        finally
        {
            // The refused tab first, so that it cannot take a slot the others free as they close.
            sessions.Reverse();
            foreach (var session in sessions)
            {
                await session.DisposeAsync();
            }
        }
    }

    /// <summary>The app with small circuit caps, and a Chromium.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private IPlaywright? _playwright;

        public string Root { get; } = Path.Combine(BrowserFixture.TempBase, "browser-circuits-" + Guid.NewGuid().ToString("N")[..12]);

        public string ScreenshotDir { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

        public CommunityAppFactory App { get; private set; } = default!;

        public IBrowser Browser { get; private set; } = default!;

        public CircuitCounter Circuits => App.Services.GetRequiredService<CircuitCounter>();

        public async Task InitializeAsync()
        {
            Directory.CreateDirectory(Root);
            Directory.CreateDirectory(ScreenshotDir);
            BrowserFixture.KeepChromiumOutOfHome();
            App = new CommunityAppFactory(Root, new Dictionary<string, string?>
            {
                ["Limits:MaxCircuitsPerUser"] = PerUser.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Limits:MaxCircuitsPerIp"] = PerIp.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
            App.Start();
            _playwright = await Playwright.CreateAsync();
            Browser = await BrowserFixture.LaunchChromiumAsync(_playwright);
        }

        public Task<UserSession> NewUserAsync() => BrowserFixture.NewUserAsync(Browser, App.BaseAddress);

        public async Task<string> UserIdAsync(string email)
        {
            await using var scope = App.Services.CreateAsyncScope();
            var user = await scope.ServiceProvider.GetRequiredService<UserManager<CommunityUser>>().FindByEmailAsync(email);
            return user?.Id ?? throw new InvalidOperationException($"No user {email}.");
        }

        /// <summary>Waits until the server counts <paramref name="count"/> open circuits for the user.</summary>
        public Task OpenCircuitsAsync(string userId, int count) =>
            HoldsAsync(() => Circuits.OpenFor(userId), count, "for the user");

        /// <summary>Waits until the server counts <paramref name="count"/> open circuits from 127.0.0.1.</summary>
        public Task OpenFromLoopbackAsync(int count) =>
            HoldsAsync(() => Circuits.OpenFrom("127.0.0.1"), count, "from 127.0.0.1");

        /// <summary>Re-reads the server's count until it is <paramref name="count"/>, for up to 15 s.</summary>
        private static async Task HoldsAsync(Func<int> open, int count, string what)
        {
            var deadline = Stopwatch.StartNew();
            while (open() != count)
            {
                if (deadline.Elapsed > TimeSpan.FromSeconds(15))
                {
                    throw new TimeoutException($"The server counts {open()} open circuits {what}, not {count}.");
                }

                await Task.Delay(50);
            }
        }

        public async Task DisposeAsync()
        {
            if (Browser is not null)
            {
                await Browser.CloseAsync();
            }

            _playwright?.Dispose();
            if (App is not null)
            {
                await App.DisposeAsync();
            }

            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
                // Best effort, as in BrowserFixture.
            }
        }
    }
}
