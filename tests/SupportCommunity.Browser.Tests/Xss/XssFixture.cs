using System.Diagnostics;
using Microsoft.Playwright;

namespace SupportCommunity.Browser.Tests.Xss;

/// <summary>
/// One app and one Chromium for the XSS corpus: the corpus seeded once on every surface, and one signed-in browser
/// context per role (the customer, and a community manager who also works the desk), each watched by an
/// <see cref="XssProbe"/> from before its first page. The tests reuse these pages.
/// </summary>
public sealed class XssFixture : IAsyncLifetime
{
    // Rendering limits stay as in production. Only the limits that would refuse the seed's volume are lifted: the
    // flood and report rate limits, the duplicate window (normalisation makes some payloads equal), new members'
    // links (the payload-named members are new); and a history page holds a whole seeded room.
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Limits:FloodMessages"] = "100000",
        ["Limits:TrustedFloodMessages"] = "100000",
        ["Limits:FloodSpacing"] = "00:00:00",
        ["Limits:DuplicateWindow"] = "00:00:00",
        ["Limits:NewMemberLinkMinutes"] = "0",
        ["Limits:DefaultPageSize"] = "100",
        ["Moderation:ReportsPerWindow"] = "100000",
    };

    private IPlaywright? _playwright;

    public string Root { get; } = Path.Combine(BrowserFixture.TempBase, "xss-tests-" + Guid.NewGuid().ToString("N")[..12]);

    public CommunityAppFactory App { get; private set; } = default!;

    public IBrowser Browser { get; private set; } = default!;

    public XssSeed Seed { get; private set; } = default!;

    public UserSession Customer { get; private set; } = default!;

    public XssProbe CustomerProbe { get; private set; } = default!;

    public UserSession Manager { get; private set; } = default!;

    public XssProbe ManagerProbe { get; private set; } = default!;

    public TimeSpan SeedTime { get; private set; }

    public TimeSpan StartTime { get; private set; }

    public string Timings { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(Root);
        BrowserFixture.KeepChromiumOutOfHome();
        App = new CommunityAppFactory(Root, Settings);
        App.Start();
        var started = clock.Elapsed;

        // The seed runs while Chromium starts and both users sign in: their pages render whatever arrives live.
        var seeding = Task.Run(async () =>
        {
            var seedClock = Stopwatch.StartNew();
            var seed = await XssSeed.RunAsync(App.Services);
            return (seed, seedClock.Elapsed);
        });
        _playwright = await Playwright.CreateAsync();
        Browser = await BrowserFixture.LaunchChromiumAsync(_playwright);
        var signingIn = Stopwatch.StartNew();
        var customer = SignInAsync("customer@demo.test");
        var manager = SignInAsync("manager@demo.test");
        (Customer, CustomerProbe) = await customer;
        (Manager, ManagerProbe) = await manager;
        var signedIn = signingIn.Elapsed;
        (Seed, SeedTime) = await seeding;
        StartTime = clock.Elapsed;
        Timings = $"app {started.TotalSeconds:F1} s, then in parallel: seed {SeedTime.TotalSeconds:F1} s ({Seed.Timings}), " +
            $"Chromium and two sign-ins {signedIn.TotalSeconds:F1} s";
    }

    private async Task<(UserSession, XssProbe)> SignInAsync(string email)
    {
        // Tall pages: the virtualized message lists render more rows per screen, so a walk needs fewer scrolls.
        var session = await BrowserFixture.NewUserAsync(Browser, App.BaseAddress, width: 1400, height: 2400);
        var probe = await XssProbe.AttachAsync(session.Context, App.BaseAddress);
        await session.SignInWithFormAsync(email);
        return (session, probe);
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
            // Best effort: the temp root of tests/run.sh is removed as a whole anyway.
        }
    }
}
