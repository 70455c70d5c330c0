using System.Net.Http.Json;
using static Microsoft.Playwright.Assertions;

namespace SupportCommunity.Browser.Tests;

/// <summary>A room longer than one page: the newest page shows first, and scrolling up brings the older ones.</summary>
public sealed class HistoryBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task LongRoom_ScrolledToTheTop_LoadsOlderHistoryInOrder()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        await PostAsync("manager@demo.test", "feedback", Enumerable.Range(1, 120).Select(i => $"History {i:000} [{tag}]"));

        await using var reader = await fixture.NewUserAsync();
        await reader.SignInWithDemoPickerAsync("member@demo.test");
        await reader.OpenRoomAsync("feedback");

        // The newest page is shown at the bottom; the oldest messages are not loaded yet.
        await Expect(reader.BodiesWith($"History 120 [{tag}]")).ToBeVisibleAsync();
        await Expect(reader.BodiesWith($"History 001 [{tag}]")).ToHaveCountAsync(0);

        // Scrolling up loads older pages until the beginning of the room.
        var list = reader.Page.GetByTestId("message-list");
        var start = reader.Page.GetByTestId("history-start");
        // Other tests post in this room too, so it may take many pages: each scroll waits until an older page has
        // arrived (the first message shown is older than before) or the beginning shows. Meanwhile the reader stays at
        // the top, as one holding the scroll bar there would: a scroll that came while a page was still loading is
        // not queued, and the page restores the reader's place when it arrives, so only a new scroll asks for the next.
        for (var i = 0; i < 60 && await start.CountAsync() == 0; i++)
        {
            var first = await FirstSequenceAsync(reader);
            await list.EvaluateAsync("el => el.scrollTop = 0");
            await reader.Page.Mouse.WheelAsync(0, -2000);
            await reader.Page.WaitForFunctionAsync(
                """
                previous => {
                    if (document.querySelector('[data-testid=history-start]') !== null
                        || Number(document.querySelector('[data-testid=message]')?.dataset.sequence ?? previous) < previous) {
                        return true;
                    }
                    document.querySelector('[data-testid=message-list]').scrollTop = 0;
                    return false;
                }
                """,
                first,
                new() { PollingInterval = 100 });
        }

        await Expect(start).ToBeVisibleAsync();
        await list.EvaluateAsync("el => el.scrollTop = 0");
        await Expect(reader.BodiesWith($"History 001 [{tag}]")).ToBeVisibleAsync();
        var loaded = await reader.Page.GetByTestId("message").EvaluateAllAsync<long[]>("els => els.map(e => Number(e.dataset.sequence))");
        Assert.Equal(loaded.Order(), loaded);
        Assert.Equal(loaded.Length, loaded.Distinct().Count());
    }

    private static Task<long> FirstSequenceAsync(UserSession reader) =>
        reader.Page.GetByTestId("message").First.EvaluateAsync<long>("e => Number(e.dataset.sequence)");

    private async Task PostAsync(string email, string room, IEnumerable<string> bodies)
    {
        using var http = new HttpClient { BaseAddress = fixture.BaseAddress };
        var login = await http.PostAsJsonAsync("api/auth/login", new { email, password = UserSession.DemoPassword });
        login.EnsureSuccessStatusCode();
        var token = (await login.Content.ReadFromJsonAsync<Token>())!.AccessToken;
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        foreach (var body in bodies)
        {
            var sent = await http.PostAsJsonAsync($"api/rooms/{room}/messages", new { clientMessageId = Guid.NewGuid(), body });
            sent.EnsureSuccessStatusCode();
        }
    }

    private sealed record Token(string AccessToken);
}
