using System.Diagnostics;
using SupportCommunity.Identity;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;

namespace SupportCommunity.Core.Tests.Moderation;

/// <summary>The current-rights directory: sends hit its cache, changes drop it at once.</summary>
public sealed class ActorDirectoryTests : IAsyncLifetime
{
    private readonly CommunityDatabase _db = new(new() { ["Limits:FloodMessages"] = "1000", ["Limits:FloodSpacing"] = "00:00:00" });

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task SendAsync_RepeatedSends_ReadRightsAtMostOncePerCacheWindow()
    {
        await _db.AddRoomAsync("general");
        var author = await _db.AddUserAsync("Author", CommunityRoles.Customer);
        var directory = _db.Get<ActorDirectory>();
        var messages = _db.Get<MessageService>();
        await messages.SendAsync(author, "general", Guid.NewGuid(), "warm up");
        var before = directory.Reads;
        var clock = Stopwatch.StartNew();

        for (var i = 0; i < 10; i++)
        {
            await messages.SendAsync(author, "general", Guid.NewGuid(), $"message {i}");
        }

        // A hit costs no query; the entry lives 2 s, so a slow machine may read once per 2 s it spends here.
        var windows = (int)(clock.Elapsed / ActorDirectory.CacheFor);
        Assert.InRange(directory.Reads - before, 0, windows);
    }

    [Fact]
    public async Task GrantAsync_CachedActor_SeesTheNewRoleAtOnce()
    {
        var room = await _db.AddRoomAsync("general");
        var admin = await _db.AddUserAsync("Admin", CommunityRoles.Admin);
        var member = await _db.AddUserAsync("Member");
        var directory = _db.Get<ActorDirectory>();
        await using (var db = await _db.CreateDbContextAsync())
        {
            foreach (var role in CommunityRoles.All)
            {
                db.Roles.Add(new Microsoft.AspNetCore.Identity.IdentityRole(role) { NormalizedName = role.ToUpperInvariant() });
            }

            await db.SaveChangesAsync();
            db.UserRoles.Add(new() { UserId = member.UserId, RoleId = db.Roles.Single(r => r.Name == CommunityRoles.Customer).Id });
            await db.SaveChangesAsync();
        }

        Assert.DoesNotContain(CommunityRoles.VolunteerModerator, (await directory.GetAsync(member.UserId, "Member")).Roles);
        await _db.Get<GrantService>().GrantAsync(admin, member.UserId, CommunityRoles.VolunteerModerator, ["general"], "helps");

        var now = await directory.GetAsync(member.UserId, "Member");
        Assert.Contains(CommunityRoles.VolunteerModerator, now.Roles);
        Assert.Equal([room.Id], now.ModeratedRoomIds!);
    }

    [Theory]
    [InlineData(598, "9 min 58 s")]
    [InlineData(600, "10 min")]
    [InlineData(59.2, "1 min")]
    [InlineData(3 * 3600 + 300, "3 h 5 min")]
    [InlineData(6 * 86400 + 7200, "6 days 2 h")]
    [InlineData(86400, "1 day")]
    [InlineData(0.2, "1 s")]
    public void FormatLeft_RoundsUpToTheSecond(double seconds, string expected) =>
        Assert.Equal(expected, SanctionService.FormatLeft(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("=1+2", "'=1+2")]
    [InlineData("+1", "'+1")]
    [InlineData("-1", "'-1")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("=HYPERLINK(\"x\",\"y\")", "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"")]
    [InlineData("line\nbreak", "\"line\nbreak\"")]
    public void AuditCsvCell_QuotesAndDefusesFormulas(string value, string expected) =>
        Assert.Equal(expected, AuditCsv.Cell(value));
}
