using SupportCommunity.Conversations;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Rooms;

namespace SupportCommunity.Core.Tests.Conversations;

/// <summary>
/// A private conversation opened from a question in #billing, its notes, and one actor per kind of reader. Shared by
/// the matrix rows; nothing in the tests changes it.
/// </summary>
public sealed class RoomAccessScenario : IAsyncLifetime
{
    public CommunityDatabase Database { get; } = new();

    public Dictionary<string, Actor> Actors { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, RoomKey> Rooms { get; } = new(StringComparer.Ordinal);

    public async Task InitializeAsync()
    {
        await Database.InitializeAsync();
        var billing = await Database.AddRoomAsync("billing");
        var general = await Database.AddRoomAsync("general");
        Actors["admin"] = await Database.AddUserAsync("Admin", CommunityRoles.Admin);
        Actors["manager"] = await Database.AddUserAsync("Manager", CommunityRoles.CommunityManager);
        Actors["agent"] = await Database.AddUserAsync("Agent", CommunityRoles.SupportAgent);
        Actors["moderator of source room"] = await Database.AddUserAsync("Mod Billing", CommunityRoles.VolunteerModerator);
        Actors["moderator of other room"] = await Database.AddUserAsync("Mod General", CommunityRoles.VolunteerModerator);
        Actors["moderator of no room"] = await Database.AddUserAsync("Mod None", CommunityRoles.VolunteerModerator);
        Actors["trusted member"] = await Database.AddUserAsync("Trusted", CommunityRoles.TrustedMember);
        Actors["the customer"] = await Database.AddUserAsync("Owner", CommunityRoles.Customer);
        Actors["another customer"] = await Database.AddUserAsync("Other", CommunityRoles.Customer);
        Actors["no role"] = await Database.AddUserAsync("Nobody");
        await using (var db = await Database.CreateDbContextAsync())
        {
            db.RoomModerators.Add(new RoomModerator { RoomId = billing.Id, UserId = Actors["moderator of source room"].UserId });
            db.RoomModerators.Add(new RoomModerator { RoomId = general.Id, UserId = Actors["moderator of other room"].UserId });
            await db.SaveChangesAsync();
        }

        var question = await Database.Get<MessageService>().SendAsync(Actors["the customer"], "billing", Guid.NewGuid(), "Charged twice?");
        var conversation = await Database.Get<ConversationService>().OpenAsync(Actors["manager"], "billing", question.Sequence);
        var directory = Database.Get<RoomDirectory>();
        Rooms["Public"] = await directory.GetAsync("billing");
        Rooms["Private"] = await directory.GetAsync(conversation.Slug);
        Rooms["StaffNotes"] = await directory.GetAsync(conversation.NotesSlug);
    }

    public Task DisposeAsync() => Database.DisposeAsync();
}

public sealed class RoomAccessTests(RoomAccessScenario scenario) : IClassFixture<RoomAccessScenario>
{
    /// <summary>Who reads which kind of room (ADR-0007).</summary>
    public static TheoryData<string, string, bool> Matrix() => new()
    {
        { "admin", "Public", true }, { "admin", "Private", true }, { "admin", "StaffNotes", true },
        { "manager", "Public", true }, { "manager", "Private", true }, { "manager", "StaffNotes", true },
        { "agent", "Public", true }, { "agent", "Private", true }, { "agent", "StaffNotes", true },
        { "moderator of source room", "Public", true }, { "moderator of source room", "Private", true }, { "moderator of source room", "StaffNotes", true },
        { "moderator of other room", "Public", true }, { "moderator of other room", "Private", false }, { "moderator of other room", "StaffNotes", false },
        { "moderator of no room", "Public", true }, { "moderator of no room", "Private", false }, { "moderator of no room", "StaffNotes", false },
        { "trusted member", "Public", true }, { "trusted member", "Private", false }, { "trusted member", "StaffNotes", false },
        { "the customer", "Public", true }, { "the customer", "Private", true }, { "the customer", "StaffNotes", false },
        { "another customer", "Public", true }, { "another customer", "Private", false }, { "another customer", "StaffNotes", false },
        { "no role", "Public", true }, { "no role", "Private", false }, { "no role", "StaffNotes", false },
    };

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task CanReadAsync_FollowsTheMatrix(string actor, string kind, bool expected)
    {
        var room = scenario.Rooms[kind];
        Assert.Equal(Enum.Parse<RoomKind>(kind), room.Kind);

        Assert.Equal(expected, await scenario.Database.Get<RoomDirectory>().CanReadAsync(scenario.Actors[actor], room));
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task GetReadableAsync_RefusesExactlyLikeAnUnknownRoom(string actor, string kind, bool expected)
    {
        var directory = scenario.Database.Get<RoomDirectory>();
        var room = scenario.Rooms[kind];

        if (expected)
        {
            Assert.Equal(room, await directory.GetReadableAsync(scenario.Actors[actor], room.Slug));
            return;
        }

        var refusal = await Assert.ThrowsAsync<CommunityException>(async () => await directory.GetReadableAsync(scenario.Actors[actor], room.Slug));
        var unknown = await Assert.ThrowsAsync<CommunityException>(async () => await directory.GetReadableAsync(scenario.Actors[actor], "private-0000deadbeef"));
        Assert.Equal(unknown.Error, refusal.Error);
        Assert.Equal(CommunityError.NotFound, refusal.Error);
        Assert.Equal(unknown.Message.Replace("private-0000deadbeef", room.Slug, StringComparison.Ordinal), refusal.Message);
    }

    [Theory]
    [InlineData("admin", true)]
    [InlineData("manager", true)]
    [InlineData("agent", true)]
    [InlineData("moderator of source room", false)]
    [InlineData("trusted member", false)]
    [InlineData("the customer", false)]
    public async Task HelpsPrivatelyAsync_WithoutASourceRoom_OnlyStaffEverywhere(string actor, bool expected)
    {
        Assert.Equal(expected, await scenario.Database.Get<RoomDirectory>().HelpsPrivatelyAsync(scenario.Actors[actor], sourceRoomId: null));
    }

    [Fact]
    public async Task NotesRoom_OfACustomerWhoIsAlsoStaff_IsStillNotReadableByThem()
    {
        // A staff member asking as a customer is the conversation's customer: the notes are about them.
        var owner = scenario.Actors["the customer"];
        var promoted = owner with { Roles = new HashSet<string> { CommunityRoles.SupportAgent } };

        Assert.True(await scenario.Database.Get<RoomDirectory>().CanReadAsync(promoted, scenario.Rooms["Private"]));
        Assert.False(await scenario.Database.Get<RoomDirectory>().CanReadAsync(promoted, scenario.Rooms["StaffNotes"]));
    }
}
