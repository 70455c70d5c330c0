using SupportCommunity.Identity;
using SupportCommunity.Notifications;

namespace SupportCommunity.Core.Tests.Notifications;

public sealed class MentionCandidatesTests
{
    public static TheoryData<string, string[]> Texts() => new()
    {
        { "@Maya Chen can you help?", ["maya chen can", "maya chen", "maya"] },
        { "thanks @Maya", ["maya"] },
        { "(@Maya Chen)", ["maya chen", "maya"] },
        { "> @Sam Patel said", ["sam patel said", "sam patel", "sam"] },
        { "Ask @Maya Chen.", ["maya chen", "maya"] },
        { "ping @O'Brien-Smith now", ["o'brien-smith now", "o'brien-smith"] },
        { "hi\n@Zoë", ["zoë"] },
        { "@A B C D E", ["a b c", "a b", "a"] },
        { "@y.com!", ["y.com"] },
    };

    [Theory]
    [MemberData(nameof(Texts))]
    public void MentionCandidates_OneMention_AreItsNamesLongestFirstLowerCased(string text, string[] expected)
    {
        var mention = Assert.Single(NotificationService.MentionCandidates(text));

        Assert.Equal(expected, mention);
    }

    [Theory]
    [InlineData("write to x@y.com please")]
    [InlineData("maya.chen@nimbus.example")]
    [InlineData("jordan@Maya Chen")]
    [InlineData("an @ alone")]
    [InlineData("@")]
    [InlineData("@@Maya")]
    [InlineData("no mention here")]
    [InlineData("")]
    public void MentionCandidates_EmailAddressesAndBareAts_AreNoMention(string text)
    {
        Assert.Empty(NotificationService.MentionCandidates(text));
    }

    [Fact]
    public void MentionCandidates_SeveralMentions_OnePerAt()
    {
        var mentions = NotificationService.MentionCandidates("@Maya, @Sam Patel and x@y.com and @Priya").ToList();

        Assert.Equal(3, mentions.Count);
        Assert.Equal(["maya"], mentions[0]);
        Assert.Equal(["sam patel and", "sam patel", "sam"], mentions[1]);
        Assert.Equal(["priya"], mentions[2]);
    }
}

public sealed class FindMentionedTests : IAsyncLifetime
{
    private readonly CommunityDatabase _database = new();
    private readonly Dictionary<string, Actor> _users = new(StringComparer.Ordinal);

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        foreach (var name in new[] { "Maya Chen", "Maya", "Sam Patel", "y.com", "Émile Zola" })
        {
            _users[name] = await _database.AddUserAsync(name, CommunityRoles.Customer);
        }
    }

    public Task DisposeAsync() => _database.DisposeAsync();

    [Theory]
    [InlineData("@Maya Chen thanks!", new[] { "Maya Chen" })]
    [InlineData("@maya chen thanks!", new[] { "Maya Chen" })]
    [InlineData("@MAYA thanks", new[] { "Maya" })]
    [InlineData("@Maya, thanks", new[] { "Maya" })]
    [InlineData("@Sam Patel and @Maya Chen and @Sam Patel again", new[] { "Sam Patel", "Maya Chen" })]
    [InlineData("@Sam thanks", new string[0])]
    [InlineData("mail x@y.com or @Nobody", new string[0])]
    [InlineData("(@y.com)", new[] { "y.com" })]
    [InlineData("merci @Émile Zola", new[] { "Émile Zola" })]
    [InlineData("merci @émile zola", new[] { "Émile Zola" })]
    [InlineData("merci @ÉMILE ZOLA", new[] { "Émile Zola" })]
    public async Task FindMentionedAsync_MatchesDisplayNamesWithoutRegardToCase_LongestFirst(string text, string[] expected)
    {
        await using var db = await _database.CreateDbContextAsync();

        var found = await NotificationService.FindMentionedAsync(db, text, CancellationToken.None);

        Assert.Equal(expected.Select(name => _users[name].UserId), found);
    }

    [Fact]
    public async Task FindMentionedAsync_ManyMentions_StopsAtTheLimit()
    {
        var many = new List<Actor>();
        for (var i = 0; i < NotificationService.MaxMentions + 2; i++)
        {
            many.Add(await _database.AddUserAsync($"Member{i:00}"));
        }

        await using var db = await _database.CreateDbContextAsync();
        var found = await NotificationService.FindMentionedAsync(db, string.Join(' ', many.Select(u => "@" + u.DisplayName)), CancellationToken.None);

        Assert.Equal(many.Take(NotificationService.MaxMentions).Select(u => u.UserId), found);
    }
}
