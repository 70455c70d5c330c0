using Microsoft.EntityFrameworkCore;
using SupportCommunity.CannedResponses;
using SupportCommunity.Identity;

namespace SupportCommunity.Core.Tests.CannedResponses;

/// <summary>One database and one actor per role, shared by the tests of the class; each test makes its own responses.</summary>
public sealed class CannedScenario : IAsyncLifetime
{
    public CommunityDatabase Database { get; } = new();

    public Dictionary<string, Actor> Actors { get; } = new(StringComparer.Ordinal);

    public CannedResponseService Service => Database.Get<CannedResponseService>();

    public Actor this[string role] => Actors[role];

    public async Task InitializeAsync()
    {
        await Database.InitializeAsync();
        Actors["customer"] = await Database.AddUserAsync("Casey Customer", CommunityRoles.Customer);
        Actors["trusted"] = await Database.AddUserAsync("Priya Trusted", CommunityRoles.TrustedMember);
        Actors["moderator"] = await Database.AddUserAsync("Theo Moderator", CommunityRoles.VolunteerModerator);
        Actors["agent"] = await Database.AddUserAsync("Sam Agent", CommunityRoles.SupportAgent);
        Actors["manager"] = await Database.AddUserAsync("Maya Manager", CommunityRoles.CommunityManager);
        Actors["admin"] = await Database.AddUserAsync("Alex Admin", CommunityRoles.Admin);
        Actors["other manager"] = await Database.AddUserAsync("Omar Manager", CommunityRoles.CommunityManager);
        Actors["no role"] = await Database.AddUserAsync("Nobody");
    }

    public Task DisposeAsync() => Database.DisposeAsync();

    /// <summary>Every row as text, deleted ones included: equal snapshots mean nothing was stored or changed.</summary>
    public async Task<List<string>> SnapshotAsync()
    {
        await using var db = await Database.CreateDbContextAsync();
        var rows = await db.CannedResponses.AsNoTracking().OrderBy(c => c.Id).ToListAsync();
        return [.. rows.Select(c => $"{c.Id}|{c.Shortcut}|{c.Title}|{c.Body}|{c.Shared}|{c.OwnerId}|{c.UpdatedAt:O}|{c.DeletedAt:O}")];
    }
}

/// <summary>Canned responses: who may do what, validation, delete and undo, and the picker's search.</summary>
public sealed class CannedResponseServiceTests(CannedScenario scenario) : IClassFixture<CannedScenario>
{
    private static readonly string[] Roles = ["customer", "trusted", "moderator", "agent", "manager", "admin"];

    private static string Tag() => "t" + Guid.NewGuid().ToString("N")[..8];

    private CannedResponseService Service => scenario.Service;

    private Task<CannedResponseDto> AddSharedAsync(string shortcut, string body = "Shared text") =>
        Service.CreateAsync(scenario["manager"], new CannedResponseInput(shortcut, null, body, Shared: true));

    private Task<CannedResponseDto> AddPersonalAsync(Actor owner, string shortcut, string body = "Personal text") =>
        Service.CreateAsync(owner, new CannedResponseInput(shortcut, null, body, Shared: false));

    // ---- who may do what ----

    /// <summary>The outcome per role: "ok", "forbidden" (the text says why), or "not found" (exactly like an unknown id).</summary>
    public static TheoryData<string, string, string> SharedMatrix()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var role in Roles)
        {
            var uses = role is not ("customer" or "trusted");
            var manages = role is "manager" or "admin";
            data.Add(role, "list", uses ? "ok" : "forbidden");
            data.Add(role, "search", uses ? "ok" : "forbidden");
            data.Add(role, "create personal", uses ? "ok" : "forbidden");
            data.Add(role, "create shared", manages ? "ok" : "forbidden");
            data.Add(role, "update shared", manages ? "ok" : "forbidden");
            data.Add(role, "delete shared", manages ? "ok" : "forbidden");
            // A deleted shared response is gone for whoever could not have deleted it.
            data.Add(role, "restore shared", manages ? "ok" : uses ? "not found" : "forbidden");
            data.Add(role, "share own personal", manages ? "ok" : "forbidden");
            data.Add(role, "make shared personal", manages ? "ok" : "forbidden");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SharedMatrix))]
    public async Task Action_ByRole_IsAllowedOrRefusedAndRefusalStoresNothing(string role, string action, string expected)
    {
        var actor = scenario[role];
        var tag = Tag();
        var shared = await AddSharedAsync(tag + "-shared");
        if (action == "restore shared")
        {
            await Service.DeleteAsync(scenario["manager"], shared.Id);
        }

        // Only roles that may use canned responses can own one; for the others an owned row is made directly.
        var ownPersonalId = await AddOwnedPersonalAsync(actor, tag + "-mine");
        var before = await scenario.SnapshotAsync();

        Task Act() => action switch
        {
            "list" => Service.ListAsync(actor),
            "search" => Service.SearchAsync(actor, tag),
            "create personal" => Service.CreateAsync(actor, new CannedResponseInput(tag + "-new", null, "New text", Shared: false)),
            "create shared" => Service.CreateAsync(actor, new CannedResponseInput(tag + "-new", null, "New text", Shared: true)),
            "update shared" => Service.UpdateAsync(actor, shared.Id, new CannedResponseInput(shared.Shortcut, "Changed", "Changed text", Shared: true)),
            "delete shared" => Service.DeleteAsync(actor, shared.Id),
            "restore shared" => Service.RestoreAsync(actor, shared.Id),
            "share own personal" => Service.UpdateAsync(actor, ownPersonalId, new CannedResponseInput(tag + "-mine", null, "Personal text", Shared: true)),
            "make shared personal" => Service.UpdateAsync(actor, shared.Id, new CannedResponseInput(shared.Shortcut, null, shared.Body, Shared: false)),
            _ => throw new ArgumentOutOfRangeException(nameof(action)),
        };

        switch (expected)
        {
            case "ok":
                await Act();
                break;
            case "forbidden":
                var forbidden = await Assert.ThrowsAsync<CommunityException>(Act);
                Assert.Equal(CommunityError.Forbidden, forbidden.Error);
                Assert.Equal(
                    role is "customer" or "trusted" ? CannedResponseService.NotForYou : CannedResponseService.SharedOnlyManagers,
                    forbidden.Message);
                Assert.Equal(before, await scenario.SnapshotAsync());
                break;
            case "not found":
                var missing = await Assert.ThrowsAsync<CommunityException>(Act);
                Assert.Equal(CommunityError.NotFound, missing.Error);
                Assert.Equal($"There is no canned response {shared.Id}.", missing.Message);
                Assert.Equal(before, await scenario.SnapshotAsync());
                break;
        }
    }

    public static TheoryData<string, string> PersonalMatrix()
    {
        var data = new TheoryData<string, string>();
        foreach (var role in Roles.Append("other manager"))
        {
            foreach (var action in new[] { "update", "delete", "restore" })
            {
                data.Add(role, action);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PersonalMatrix))]
    public async Task SomeoneElsesPersonal_AnyRole_LooksLikeAnUnknownIdAndStaysUnchanged(string role, string action)
    {
        var owner = scenario["manager"];
        var actor = scenario[role == "manager" ? "other manager" : role];
        var personal = await AddPersonalAsync(owner, Tag());
        if (action == "restore")
        {
            await Service.DeleteAsync(owner, personal.Id);
        }

        var before = await scenario.SnapshotAsync();

        Task Act() => action switch
        {
            "update" => Service.UpdateAsync(actor, personal.Id, new CannedResponseInput(personal.Shortcut, null, "Hijacked", Shared: false)),
            "delete" => Service.DeleteAsync(actor, personal.Id),
            _ => Service.RestoreAsync(actor, personal.Id),
        };

        var refusal = await Assert.ThrowsAsync<CommunityException>(Act);
        if (actor.Roles.Contains(CommunityRoles.Customer) || actor.Roles.Contains(CommunityRoles.TrustedMember))
        {
            Assert.Equal((CommunityError.Forbidden, CannedResponseService.NotForYou), (refusal.Error, refusal.Message));
        }
        else
        {
            // Word for word what an id that never existed gets.
            var unknown = await Assert.ThrowsAsync<CommunityException>(() => Service.DeleteAsync(actor, 999_999));
            Assert.Equal((CommunityError.NotFound, unknown.Message.Replace("999999", personal.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)),
                (refusal.Error, refusal.Message));
        }

        Assert.Equal(before, await scenario.SnapshotAsync());
    }

    [Theory]
    [InlineData("moderator")]
    [InlineData("agent")]
    [InlineData("manager")]
    [InlineData("admin")]
    public async Task OwnPersonal_Owner_UpdatesDeletesAndRestoresIt(string role)
    {
        var owner = scenario[role];
        var personal = await AddPersonalAsync(owner, Tag());

        var updated = await Service.UpdateAsync(owner, personal.Id, new CannedResponseInput(personal.Shortcut, "Mine", "New words", Shared: false));
        Assert.Equal(("Mine", "New words", true, true), (updated.Title, updated.Body, updated.Mine, updated.CanEdit));

        await Service.DeleteAsync(owner, personal.Id);
        Assert.DoesNotContain(await Service.ListAsync(owner), c => c.Id == personal.Id);

        var restored = await Service.RestoreAsync(owner, personal.Id);
        Assert.Equal("New words", restored.Body);
        Assert.Contains(await Service.ListAsync(owner), c => c.Id == personal.Id);
    }

    [Fact]
    public async Task List_PersonalResponses_OnlyTheirOwnerSeesThem()
    {
        var tag = Tag();
        var agents = await AddPersonalAsync(scenario["agent"], tag + "-agent");
        var moderators = await AddPersonalAsync(scenario["moderator"], tag + "-mod");
        var shared = await AddSharedAsync(tag + "-shared");

        foreach (var role in new[] { "moderator", "agent", "manager", "admin" })
        {
            var ids = (await Service.ListAsync(scenario[role])).Select(c => c.Id).ToList();
            Assert.Contains(shared.Id, ids);
            Assert.Equal(role == "agent", ids.Contains(agents.Id));
            Assert.Equal(role == "moderator", ids.Contains(moderators.Id));
            var found = (await Service.SearchAsync(scenario[role], tag)).Select(c => c.Id).ToList();
            Assert.Equal(role == "agent", found.Contains(agents.Id));
            Assert.Equal(role == "moderator", found.Contains(moderators.Id));
        }

        var asAgent = Assert.Single(await Service.ListAsync(scenario["agent"]), c => c.Id == shared.Id);
        Assert.Equal((false, false, "Maya Manager"), (asAgent.Mine, asAgent.CanEdit, asAgent.OwnerName));
        var asAdmin = Assert.Single(await Service.ListAsync(scenario["admin"]), c => c.Id == shared.Id);
        Assert.True(asAdmin.CanEdit);
    }

    [Fact]
    public async Task MakeSharedPersonal_Manager_TakesItAndOthersNoLongerSeeIt()
    {
        var shared = await AddSharedAsync(Tag());

        var personal = await Service.UpdateAsync(scenario["admin"], shared.Id, new CannedResponseInput(shared.Shortcut, null, shared.Body, Shared: false));

        Assert.Equal((false, true, "Alex Admin"), (personal.Shared, personal.Mine, personal.OwnerName));
        Assert.DoesNotContain(await Service.ListAsync(scenario["manager"]), c => c.Id == shared.Id);
    }

    // ---- validation ----

    public static TheoryData<string?, string?, string?, CommunityError, string> BadInput() => new()
    {
        { "greet", null, null, CommunityError.Invalid, "A canned response needs some text." },
        { "greet", null, "   \n\t ", CommunityError.Invalid, "A canned response needs some text." },
        { "greet", null, "\u200B \u200B", CommunityError.Invalid, "A canned response needs some text." },
        { "greet", null, new string('x', 4_001), CommunityError.TooLarge, "A canned response can be at most 4,000 characters; this one has 4,001." },
        { null, null, "Hello", CommunityError.Invalid, "A shortcut is 1 to 60 letters, digits, '-' or '_', for example refund-status." },
        { "/", null, "Hello", CommunityError.Invalid, "A shortcut is 1 to 60 letters, digits, '-' or '_', for example refund-status." },
        { "re fund", null, "Hello", CommunityError.Invalid, "A shortcut is 1 to 60 letters, digits, '-' or '_', for example refund-status." },
        { "refund!", null, "Hello", CommunityError.Invalid, "A shortcut is 1 to 60 letters, digits, '-' or '_', for example refund-status." },
        { new string('r', 61), null, "Hello", CommunityError.Invalid, "A shortcut is 1 to 60 letters, digits, '-' or '_', for example refund-status." },
        { "greet", new string('T', 61), "Hello", CommunityError.TooLarge, "A title can be at most 60 characters; this one has 61." },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task Create_BadInput_IsRefusedWithAClearMessageAndStoresNothing(
        string? shortcut, string? title, string? body, CommunityError error, string message)
    {
        var before = await scenario.SnapshotAsync();

        var refusal = await Assert.ThrowsAsync<CommunityException>(() =>
            Service.CreateAsync(scenario["manager"], new CannedResponseInput(shortcut, title, body, Shared: true)));

        Assert.Equal((error, message), (refusal.Error, refusal.Message));
        Assert.Equal(before, await scenario.SnapshotAsync());
    }

    [Fact]
    public async Task Update_BadInput_IsRefusedAndTheResponseStaysAsItWas()
    {
        var shared = await AddSharedAsync(Tag(), "Original");
        var before = await scenario.SnapshotAsync();

        var refusal = await Assert.ThrowsAsync<CommunityException>(() =>
            Service.UpdateAsync(scenario["manager"], shared.Id, new CannedResponseInput(shared.Shortcut, null, new string('x', 4_001), Shared: true)));

        Assert.Equal(CommunityError.TooLarge, refusal.Error);
        Assert.Equal(before, await scenario.SnapshotAsync());
    }

    [Fact]
    public async Task Create_UntidyInput_IsNormalisedLikeAMessage()
    {
        var tag = Tag();

        var created = await Service.CreateAsync(scenario["agent"],
            new CannedResponseInput("  /" + tag.ToUpperInvariant() + "-Ok ", "  Two\nlines   title ", "  Line one\r\nline\u202E two\u200B\u200B\u200Bthree  ", Shared: false));

        Assert.Equal(tag + "-ok", created.Shortcut);
        Assert.Equal("Two lines title", created.Title);
        Assert.Equal("Line one\nline two\u200Bthree", created.Body);
    }

    [Fact]
    public async Task Create_BlankTitleAndLongestBody_TakesTheShortcutAsTitleAndKeepsAll4000Characters()
    {
        var tag = Tag();

        var created = await Service.CreateAsync(scenario["agent"], new CannedResponseInput(tag, "  ", new string('y', 4_000), Shared: false));

        Assert.Equal(tag, created.Title);
        Assert.Equal(4_000, created.Body.Length);
    }

    [Fact]
    public async Task Create_ShortcutTaken_ConflictsInTheSameScopeOnly()
    {
        var tag = Tag();
        await AddSharedAsync(tag);
        await AddPersonalAsync(scenario["agent"], tag + "-p");

        var sharedTwice = await Assert.ThrowsAsync<CommunityException>(() => AddSharedAsync("/" + tag.ToUpperInvariant()));
        Assert.Equal((CommunityError.Conflict, $"There is already a shared /{tag}: pick another shortcut."), (sharedTwice.Error, sharedTwice.Message));
        var personalTwice = await Assert.ThrowsAsync<CommunityException>(() => AddPersonalAsync(scenario["agent"], tag + "-p"));
        Assert.Equal(CommunityError.Conflict, personalTwice.Error);

        // A personal response may share a shared one's shortcut, and two owners may use the same one.
        await AddPersonalAsync(scenario["agent"], tag);
        await AddPersonalAsync(scenario["moderator"], tag + "-p");
    }

    [Fact]
    public async Task Restore_ShortcutReusedMeanwhile_Conflicts()
    {
        var tag = Tag();
        var first = await AddSharedAsync(tag);
        await Service.DeleteAsync(scenario["manager"], first.Id);
        await AddSharedAsync(tag, "The replacement");

        var refusal = await Assert.ThrowsAsync<CommunityException>(() => Service.RestoreAsync(scenario["manager"], first.Id));

        Assert.Equal(CommunityError.Conflict, refusal.Error);
    }

    [Fact]
    public async Task Delete_Twice_SecondIsNotFoundAndRestoreOfALiveOneToo()
    {
        var shared = await AddSharedAsync(Tag());
        await Service.DeleteAsync(scenario["admin"], shared.Id);

        Assert.Equal(CommunityError.NotFound, (await Assert.ThrowsAsync<CommunityException>(() => Service.DeleteAsync(scenario["admin"], shared.Id))).Error);
        await Service.RestoreAsync(scenario["manager"], shared.Id);
        Assert.Equal(CommunityError.NotFound, (await Assert.ThrowsAsync<CommunityException>(() => Service.RestoreAsync(scenario["manager"], shared.Id))).Error);
    }

    [Fact]
    public async Task Create_PersonalCapReached_ConflictsAndStoresNothing()
    {
        var owner = await scenario.Database.AddUserAsync("Busy Agent", CommunityRoles.SupportAgent);
        await using (var db = await scenario.Database.CreateDbContextAsync())
        {
            var now = DateTimeOffset.UtcNow;
            for (var i = 0; i < CannedResponseService.MaxPersonalPerOwner - 1; i++)
            {
                db.CannedResponses.Add(new CannedResponse { Shortcut = $"r{i}", Title = $"r{i}", Body = "text", OwnerId = owner.UserId, CreatedAt = now, UpdatedAt = now });
            }

            await db.SaveChangesAsync();
        }

        await AddPersonalAsync(owner, "last-one");
        var before = await scenario.SnapshotAsync();

        var refusal = await Assert.ThrowsAsync<CommunityException>(() => AddPersonalAsync(owner, "one-too-many"));

        Assert.Equal(CommunityError.Conflict, refusal.Error);
        Assert.Equal(before, await scenario.SnapshotAsync());
        Assert.Equal(CannedResponseService.MaxPersonalPerOwner, (await Service.ListAsync(owner)).Count(c => c.Mine));
    }

    private async Task<int> AddOwnedPersonalAsync(Actor owner, string shortcut)
    {
        await using var db = await scenario.Database.CreateDbContextAsync();
        var now = DateTimeOffset.UtcNow;
        var row = new CannedResponse { Shortcut = shortcut, Title = shortcut, Body = "Personal text", OwnerId = owner.UserId, CreatedAt = now, UpdatedAt = now };
        db.CannedResponses.Add(row);
        await db.SaveChangesAsync();
        return row.Id;
    }
}

/// <summary>The picker's search, each test over a database of its own so that rankings are exact.</summary>
public sealed class CannedSearchTests : IAsyncLifetime
{
    private readonly CommunityDatabase _db = new();
    private Actor _manager = default!;
    private Actor _agent = default!;

    public async Task InitializeAsync()
    {
        await _db.InitializeAsync();
        _manager = await _db.AddUserAsync("Maya Manager", CommunityRoles.CommunityManager);
        _agent = await _db.AddUserAsync("Sam Agent", CommunityRoles.SupportAgent);
    }

    public Task DisposeAsync() => _db.DisposeAsync();

    private CannedResponseService Service => _db.Get<CannedResponseService>();

    private Task<CannedResponseDto> AddAsync(Actor owner, string shortcut, string title, string body, bool shared = true) =>
        Service.CreateAsync(owner, new CannedResponseInput(shortcut, title, body, shared));

    [Fact]
    public async Task Search_RanksShortcutPrefixThenTitleWordThenTitleThenBody()
    {
        await AddAsync(_manager, "thanks", "Thank you", "Glad the REFUND arrived.");
        await AddAsync(_manager, "prefs", "Preferences", "Open the settings.");
        await AddAsync(_manager, "billing-help", "Billing: refunds and invoices", "See the billing page.");
        await AddAsync(_manager, "invoice", "Refunded invoices", "They show as credit notes.");
        await AddAsync(_manager, "refund-status", "Where is my money", "Check the status page.");
        await AddAsync(_manager, "refund", "Refund on its way", "3 to 5 days.");
        await AddAsync(_manager, "ref", "A reference", "Exact shortcut.");
        await AddAsync(_manager, "unrelated", "Hello", "Nothing to see.");

        var found = await Service.SearchAsync(_agent, "/Ref");

        Assert.Equal(["ref", "refund", "refund-status", "billing-help", "invoice", "prefs", "thanks"], found.Select(c => c.Shortcut));
    }

    [Fact]
    public async Task Search_ManyMatches_ReturnsAtMostTen()
    {
        for (var i = 0; i < 12; i++)
        {
            await AddAsync(_manager, $"step-{i:00}", $"Step {i}", "Do this.");
        }

        var found = await Service.SearchAsync(_agent, "step");

        Assert.Equal(CannedResponseService.MaxSearchResults, found.Count);
        Assert.Equal("step-00", found[0].Shortcut);
    }

    [Fact]
    public async Task Search_Empty_ListsTheFirstByShortcut()
    {
        await AddAsync(_manager, "zeta", "Zeta", "z");
        await AddAsync(_manager, "alpha", "Alpha", "a");
        await AddAsync(_agent, "mine", "Mine", "m", shared: false);

        Assert.Equal(["alpha", "mine", "zeta"], (await Service.SearchAsync(_agent, "")).Select(c => c.Shortcut));
        Assert.Equal(["alpha", "zeta"], (await Service.SearchAsync(_manager, "/")).Select(c => c.Shortcut));
    }

    [Fact]
    public async Task Search_LeavesOutDeletedAndOthersPersonal()
    {
        var deleted = await AddAsync(_manager, "refund-old", "Old refund", "old");
        await Service.DeleteAsync(_manager, deleted.Id);
        await AddAsync(_manager, "refund-manager", "Manager's own", "mine", shared: false);
        await AddAsync(_agent, "refund-agent", "Agent's own", "mine", shared: false);
        await AddAsync(_manager, "refund", "Refund", "shared");

        Assert.Equal(["refund", "refund-agent"], (await Service.SearchAsync(_agent, "refund")).Select(c => c.Shortcut));
    }

    [Fact]
    public async Task Search_TooLongQuery_IsInvalid()
    {
        var refusal = await Assert.ThrowsAsync<CommunityException>(() => Service.SearchAsync(_agent, new string('q', 101)));

        Assert.Equal(CommunityError.Invalid, refusal.Error);
    }
}
