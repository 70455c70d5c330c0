using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SupportCommunity.CannedResponses;
using SupportCommunity.Data;
using SupportCommunity.Identity;
using SupportCommunity.Web.CannedResponses;
using SupportCommunity.Web.Messages;
using SupportCommunity.Web.Moderation;

namespace SupportCommunity.Web.Tests.Components;

/// <summary>
/// The composer's <c>/</c> picker against the real canned responses, rights (ActorDirectory) and people directory over
/// SQLite. The browser's part (holding the list's keys back from the composer) is mentions.js; here the keys arrive
/// as it hands them over, through CannedKey.
/// </summary>
public sealed class CannedPickerTests : MudTestContext, IClassFixture<CannedPickerTests.Team>
{
    private readonly Team _team;
    private readonly List<string> _sent = [];
    private string? _draft;

    public CannedPickerTests(Team team)
    {
        _team = team;
        team.Database.AddTo(Services);
        Services.AddSingleton(team.Database.Get<ActorDirectory>());
        Services.AddSingleton(team.Database.Get<CannedResponseService>());
        Services.AddScoped<LiveActor>();
        Services.AddScoped<CannedSuggestions>();
    }

    /// <summary>Maya Chen (manager), Theo Ruiz (volunteer moderator), Jordan Lee (customer), with their roles stored; three shared responses and a personal one.</summary>
    public sealed class Team : IAsyncLifetime
    {
        public ComponentDatabase Database { get; } = new();

        public Actor Manager { get; private set; } = default!;

        public Actor Moderator { get; private set; } = default!;

        public Actor Customer { get; private set; } = default!;

        public async Task InitializeAsync()
        {
            await Database.InitializeAsync();
            Manager = await AddAsync("Maya Chen", CommunityRoles.CommunityManager);
            Moderator = await AddAsync("Theo Ruiz", CommunityRoles.VolunteerModerator);
            Customer = await AddAsync("Jordan Lee", CommunityRoles.Customer);
            var canned = Database.Get<CannedResponseService>();
            await canned.CreateAsync(Manager, new("ref-docs", "Reference docs", "The reference is at docs.example.com.", Shared: true));
            await canned.CreateAsync(Manager, new("refund", "Refund on its way", "Hi {customer.name}, the refund is on its way. {agent.name}", Shared: true));
            await canned.CreateAsync(Manager, new("ticket", "Your ticket", "Your ticket is #{ticket.number}, {customer.name}.", Shared: true));
            await canned.CreateAsync(Manager, new("refs-mine", "Maya's own", "Only Maya sees this.", Shared: false));
        }

        public Task DisposeAsync() => Database.DisposeAsync();

        // The component database stores the member's roles itself.
        private Task<Actor> AddAsync(string name, string role) => Database.AddUserAsync(name, role);
    }

    private IRenderedComponent<Composer> RenderFor(Actor actor, CannedContext? context = null)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized(actor.DisplayName);
        auth.SetClaims([new Claim(ClaimTypes.NameIdentifier, actor.UserId), new Claim(Actor.DisplayNameClaim, actor.DisplayName)]);
        return Render<Composer>(p => p
            .Add(c => c.Text, "")
            .Add(c => c.CannedContext, context)
            .Add(c => c.OnSend, text => _sent.Add(text))
            .Add(c => c.TextChanged, text => { _draft = text; return Task.CompletedTask; }));
    }

    private static Task TypeAsync(IRenderedComponent<Composer> composer, string text) =>
        composer.Find("[data-testid=composer-input]").InputAsync(new ChangeEventArgs { Value = text });

    private static List<string> Shortcuts(IRenderedComponent<Composer> composer) =>
        [.. composer.FindAll("[data-testid=canned-option]").Select(o => o.GetAttribute("data-shortcut") ?? "")];

    private static Task ListShowsAsync(IRenderedComponent<Composer> composer, params string[] shortcuts) =>
        composer.WaitForAssertionAsync(() => Assert.Equal(shortcuts, Shortcuts(composer)));

    private static string Value(IRenderedComponent<Composer> composer) =>
        composer.Find("[data-testid=composer-input]").GetAttribute("value") ?? "";

    private static Task KeyAsync(IRenderedComponent<Composer> composer, string key) =>
        composer.InvokeAsync(() => composer.Instance.CannedKey(key));

    [Fact]
    public async Task StaffTypesSlashRef_ArrowDownThenEnter_DraftHoldsTheExpandedResponseAndNothingIsSent()
    {
        var composer = RenderFor(_team.Manager, new CannedContext(CustomerName: "Jordan Lee", RoomName: "Billing"));
        await composer.WaitForAssertionAsync(() => composer.Find("[data-testid=composer-canned-hint]"));

        await TypeAsync(composer, "/ref");
        await ListShowsAsync(composer, "ref-docs", "refs-mine", "refund");
        Assert.Equal("open", composer.Find("[data-testid=composer-input]").GetAttribute("data-canned"));
        Assert.Equal("true", composer.FindAll("[data-testid=canned-option]")[0].GetAttribute("aria-selected"));

        await KeyAsync(composer, "ArrowDown");
        await KeyAsync(composer, "ArrowDown");
        Assert.Equal("true", composer.FindAll("[data-testid=canned-option]")[2].GetAttribute("aria-selected"));
        await KeyAsync(composer, "Enter");

        const string expected = "Hi Jordan Lee, the refund is on its way. Maya Chen";
        Assert.Equal(expected, Value(composer));
        Assert.Equal(expected, _draft);
        Assert.Empty(_sent);
        Assert.Empty(composer.FindAll("[data-testid=canned-list]"));
        Assert.False(composer.Find("[data-testid=composer-input]").HasAttribute("data-canned"));
    }

    [Fact]
    public async Task SlashAfterText_Tab_ReplacesOnlyTheShortcut()
    {
        var composer = RenderFor(_team.Manager, new CannedContext(CustomerName: "Casey Brooks"));

        await TypeAsync(composer, "Thanks for waiting!\n/refu");
        await ListShowsAsync(composer, "refund");
        await KeyAsync(composer, "Tab");

        Assert.Equal("Thanks for waiting!\nHi Casey Brooks, the refund is on its way. Maya Chen", Value(composer));
    }

    [Fact]
    public async Task Escape_ClosesTheListUntilANewShortcut()
    {
        var composer = RenderFor(_team.Manager);
        await TypeAsync(composer, "/ref");
        await ListShowsAsync(composer, "ref-docs", "refs-mine", "refund");

        await KeyAsync(composer, "Escape");
        Assert.Empty(composer.FindAll("[data-testid=canned-list]"));
        Assert.Equal("/ref", Value(composer));

        // Typing on in the same shortcut keeps it closed; a new / opens it again.
        await TypeAsync(composer, "/refu");
        Assert.Empty(composer.FindAll("[data-testid=canned-list]"));
        await TypeAsync(composer, "/refu /tick");
        await ListShowsAsync(composer, "ticket");
    }

    [Fact]
    public async Task PlaceholderUnknownHere_StaysAsTypedAndTheListSaysSo()
    {
        var composer = RenderFor(_team.Manager, new CannedContext(CustomerName: "Jordan Lee", RoomName: "General"));

        await TypeAsync(composer, "/ticket");
        await ListShowsAsync(composer, "ticket");
        Assert.Contains("{ticket.number}", composer.Find("[data-testid=canned-unknown]").TextContent, StringComparison.Ordinal);
        await KeyAsync(composer, "Enter");

        Assert.Equal("Your ticket is #{ticket.number}, Jordan Lee.", Value(composer));
    }

    [Fact]
    public async Task VolunteerModerator_SeesSharedResponsesButNotSomeoneElsesPersonal()
    {
        var composer = RenderFor(_team.Moderator);

        await TypeAsync(composer, "/ref");

        await ListShowsAsync(composer, "ref-docs", "refund");
    }

    [Fact]
    public async Task Customer_TypingSlash_GetsNoListAndNoHint()
    {
        var composer = RenderFor(_team.Customer);

        await TypeAsync(composer, "/");
        await TypeAsync(composer, "/ref");

        Assert.Empty(composer.FindAll("[data-testid=canned-list]"));
        Assert.Empty(composer.FindAll("[data-testid=composer-canned-hint]"));
        Assert.False(composer.Find("[data-testid=composer-input]").HasAttribute("data-canned"));
        // Enter does what it always does.
        await composer.InvokeAsync(() => composer.Instance.CannedKey("Enter"));
        Assert.Equal(["/ref"], _sent);
    }

    [Fact]
    public async Task Mentions_StillWorkBesideTheCannedList()
    {
        var composer = RenderFor(_team.Manager);

        await TypeAsync(composer, "/ref");
        await ListShowsAsync(composer, "ref-docs", "refs-mine", "refund");
        await TypeAsync(composer, "/ref @theo");

        await composer.WaitForAssertionAsync(() => Assert.Equal("Theo Ruiz", composer.Find("[data-testid=mention-option] .mention-name").TextContent));
        Assert.Empty(composer.FindAll("[data-testid=canned-list]"));
        await composer.InvokeAsync(() => composer.Instance.MentionKey("Enter"));
        Assert.Equal("/ref @Theo Ruiz ", Value(composer));
    }

    [Theory]
    [InlineData("/", 0, "")]
    [InlineData("/ref", 0, "ref")]
    [InlineData("Hi /refund", 3, "refund")]
    [InlineData("line\n/logs", 5, "logs")]
    [InlineData("Hi /", -1, "")]
    [InlineData("and / or", -1, "")]
    [InlineData("Hi /2fa", -1, "")]
    [InlineData("C:/Users", -1, "")]
    [InlineData("see https://example.com/path", -1, "")]
    [InlineData("/ref docs", -1, "")]
    [InlineData("/ref!", -1, "")]
    [InlineData("", -1, "")]
    public void CannedQuery_FindsTheShortcutBeingTyped(string text, int at, string query) =>
        Assert.Equal((at, query), Composer.CannedQuery(text));
}
