using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using SupportCommunity.Identity;
using SupportCommunity.Web.Messages;

namespace SupportCommunity.Web.Tests.Components;

/// <summary>
/// The composer's @mention list against the real people directory over SQLite. The browser's part (holding the list's
/// keys back from the composer) is mentions.js; here the keys arrive as it hands them over, through MentionKey.
/// </summary>
public sealed class MentionAutocompleteTests : MudTestContext, IClassFixture<MentionAutocompleteTests.People>
{
    public MentionAutocompleteTests(People people) => people.Database.AddTo(Services);

    /// <summary>One directory for the class: Maya Chen, Mara Lopez, Sam Patel and Jordan Lee.</summary>
    public sealed class People : IAsyncLifetime
    {
        public ComponentDatabase Database { get; } = new();

        public async Task InitializeAsync()
        {
            await Database.InitializeAsync();
            await Database.AddUserAsync("Maya Chen", CommunityRoles.CommunityManager);
            await Database.AddUserAsync("Mara Lopez", CommunityRoles.Customer);
            await Database.AddUserAsync("Sam Patel", CommunityRoles.SupportAgent);
            await Database.AddUserAsync("Jordan Lee", CommunityRoles.Customer);
        }

        public Task DisposeAsync() => Database.DisposeAsync();
    }

    private readonly List<string> _sent = [];
    private string? _draft;

    private IRenderedComponent<Composer> RenderComposer() => Render<Composer>(p => p
        .Add(c => c.Text, "")
        .Add(c => c.OnSend, text => _sent.Add(text))
        .Add(c => c.TextChanged, text => { _draft = text; return Task.CompletedTask; }));

    private static List<string> Options(IRenderedComponent<Composer> composer) =>
        [.. composer.FindAll("[data-testid=mention-option] .mention-name").Select(o => o.TextContent)];

    private static Task ListShowsAsync(IRenderedComponent<Composer> composer, params string[] names) =>
        composer.WaitForAssertionAsync(() => Assert.Equal(names, Options(composer)));

    private static string Value(IRenderedComponent<Composer> composer) =>
        composer.Find("[data-testid=composer-input]").GetAttribute("value") ?? "";

    [Fact]
    public async Task TypingAtMa_ListsTheMatchingPeopleAndMarksTheBoxOpen()
    {
        var composer = RenderComposer();

        await composer.Find("[data-testid=composer-input]").InputAsync(new ChangeEventArgs { Value = "Thanks @ma" });

        await ListShowsAsync(composer, "Mara Lopez", "Maya Chen");
        Assert.Equal("open", composer.Find("[data-testid=composer-input]").GetAttribute("data-mentions"));
        Assert.Equal("true", composer.FindAll("[data-testid=mention-option]")[0].GetAttribute("aria-selected"));
    }

    [Fact]
    public async Task EnterWhileTheListIsOpen_InsertsTheNameAndSendsNothing()
    {
        var composer = RenderComposer();
        await composer.Find("[data-testid=composer-input]").InputAsync(new ChangeEventArgs { Value = "@maya" });
        await ListShowsAsync(composer, "Maya Chen");

        await composer.InvokeAsync(() => composer.Instance.MentionKey("Enter"));

        Assert.Equal("@Maya Chen ", Value(composer));
        Assert.Equal("@Maya Chen ", _draft);
        Assert.Empty(_sent);
        Assert.Empty(composer.FindAll("[data-testid=mention-list]"));
        Assert.False(composer.Find("[data-testid=composer-input]").HasAttribute("data-mentions"));
    }

    [Fact]
    public async Task ArrowsThenTab_InsertTheChosenNameInPlaceOfWhatWasTyped()
    {
        var composer = RenderComposer();
        await composer.Find("[data-testid=composer-input]").InputAsync(new ChangeEventArgs { Value = "Can you check, @MA" });
        await ListShowsAsync(composer, "Mara Lopez", "Maya Chen");

        await composer.InvokeAsync(() => composer.Instance.MentionKey("ArrowDown"));
        Assert.Equal("true", composer.FindAll("[data-testid=mention-option]")[1].GetAttribute("aria-selected"));
        await composer.InvokeAsync(() => composer.Instance.MentionKey("ArrowDown"));
        await composer.InvokeAsync(() => composer.Instance.MentionKey("ArrowUp"));
        await composer.InvokeAsync(() => composer.Instance.MentionKey("Tab"));

        Assert.Equal("Can you check, @Maya Chen ", Value(composer));
    }

    [Fact]
    public async Task WordInsideTheName_FindsIt()
    {
        var composer = RenderComposer();
        await composer.Find("[data-testid=composer-input]").InputAsync(new ChangeEventArgs { Value = "@pat" });
        await ListShowsAsync(composer, "Sam Patel");
    }

    [Fact]
    public async Task Escape_ClosesTheListUntilANewMention()
    {
        var composer = RenderComposer();
        var input = composer.Find("[data-testid=composer-input]");
        await input.InputAsync(new ChangeEventArgs { Value = "@ma" });
        await ListShowsAsync(composer, "Mara Lopez", "Maya Chen");

        await composer.InvokeAsync(() => composer.Instance.MentionKey("Escape"));
        Assert.Empty(composer.FindAll("[data-testid=mention-list]"));

        // Typing on in the same mention keeps it closed; a new @ opens it again.
        await composer.Find("[data-testid=composer-input]").InputAsync(new ChangeEventArgs { Value = "@may" });
        Assert.Empty(composer.FindAll("[data-testid=mention-list]"));
        await composer.Find("[data-testid=composer-input]").InputAsync(new ChangeEventArgs { Value = "@may and @jo" });
        await ListShowsAsync(composer, "Jordan Lee");
    }

    [Fact]
    public async Task EnterAfterTheListClosed_SendsAsUsual()
    {
        var composer = RenderComposer();
        // No match: no list, so the browser would not hold Enter back; should it have (an outdated list), Enter still sends.
        await composer.Find("[data-testid=composer-input]").InputAsync(new ChangeEventArgs { Value = "Mail me at @zz" });
        await composer.WaitForAssertionAsync(() => Assert.Empty(composer.FindAll("[data-testid=mention-option]")));

        await composer.InvokeAsync(() => composer.Instance.MentionKey("Enter"));

        Assert.Equal(["Mail me at @zz"], _sent);
    }

    [Fact]
    public async Task NoMention_ShowsNoList()
    {
        var composer = RenderComposer();
        var input = composer.Find("[data-testid=composer-input]");
        await input.InputAsync(new ChangeEventArgs { Value = "mail me at jo@ma" });
        await composer.Find("[data-testid=composer-input]").InputAsync(new ChangeEventArgs { Value = "@maya chen can you help?" });
        Assert.Empty(composer.FindAll("[data-testid=mention-list]"));
    }

    [Theory]
    [InlineData("@ma", 0, "ma")]
    [InlineData("hi @Maya C", 3, "Maya C")]
    [InlineData("(@sam", 1, "sam")]
    [InlineData("mail jo@ma", -1, "")]
    [InlineData("@", -1, "")]
    [InlineData("@ ma", -1, "")]
    [InlineData("@maya chen can you", -1, "")]
    [InlineData("@maya\nhello", -1, "")]
    public void MentionQuery_FindsTheMentionBeingTyped(string text, int at, string query) =>
        Assert.Equal((at, query), Composer.MentionQuery(text));
}
