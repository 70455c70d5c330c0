using Microsoft.Playwright;

namespace SupportCommunity.Browser.Tests;

/// <summary>One app on Kestrel and one headless Chromium, shared by the tests of a class. Each user gets a context.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private IPlaywright? _playwright;

    internal static readonly string TempBase =
        Environment.GetEnvironmentVariable("SUPPORTCOMMUNITY_TEST_TMP") is { Length: > 0 } tmp ? tmp : Path.GetTempPath();

    /// <summary>This fixture's database and keys; deleted on dispose.</summary>
    public string Root { get; } = Path.Combine(TempBase, "browser-tests-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>Kept after the run (unlike <see cref="Root"/>), so a failed run can be looked at.</summary>
    public string ScreenshotDir { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public CommunityAppFactory App { get; private set; } = default!;

    public IBrowser Browser { get; private set; } = default!;

    public Uri BaseAddress => App.BaseAddress;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(ScreenshotDir);
        KeepChromiumOutOfHome();

        App = new CommunityAppFactory(Root);
        App.Start();

        _playwright = await Playwright.CreateAsync();
        Browser = await LaunchChromiumAsync(_playwright);
    }

    /// <summary>A fresh browser context (its own cookies and local storage): one per user.</summary>
    public Task<UserSession> NewUserAsync(int width = 1280, int height = 800) => NewUserAsync(Browser, BaseAddress, width, height);

    /// <summary>A fresh browser context on <paramref name="baseAddress"/> (for tests with several app nodes).</summary>
    internal static async Task<UserSession> NewUserAsync(IBrowser browser, Uri baseAddress, int width = 1280, int height = 800)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "en-US",
            TimezoneId = "UTC",
        });
        context.SetDefaultTimeout(15_000);
        context.SetDefaultNavigationTimeout(20_000);
        var page = await context.NewPageAsync();
        return new UserSession(context, page);
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

        // SQLite may keep the file open for a moment after the host stops: clearing the pools releases it.
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

    /// <summary>
    /// Chromium writes its config and caches under XDG folders: keep them out of the home folder. tests/run.sh sets
    /// them; otherwise one folder for the whole test process (fixtures of several classes run at the same time).
    /// </summary>
    internal static void KeepChromiumOutOfHome()
    {
        foreach (var variable in new[] { "XDG_CONFIG_HOME", "XDG_CACHE_HOME" })
        {
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable)))
            {
                var folder = Path.Combine(TempBase, "supportcommunity-browser-xdg", variable.ToLowerInvariant());
                Directory.CreateDirectory(folder);
                Environment.SetEnvironmentVariable(variable, folder);
            }
        }
    }

    internal static async Task<IBrowser> LaunchChromiumAsync(IPlaywright playwright)
    {
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath(),
            Headless = true,
            Args = ChromiumArgs,
        });
        Assertions.SetDefaultExpectTimeout(10_000);
        return browser;
    }

    private static string ChromiumPath()
    {
        var path = Environment.GetEnvironmentVariable("SUPPORTCOMMUNITY_TEST_CHROMIUM") is { Length: > 0 } configured
            ? configured
            : "/usr/bin/chromium";
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"Chromium not found at {path}: apt-get install -y chromium (tests/run.sh does it).");
    }
}
