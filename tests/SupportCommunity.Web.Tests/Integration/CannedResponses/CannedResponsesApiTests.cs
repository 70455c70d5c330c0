using System.Net;
using System.Net.Http.Json;
using SupportCommunity.CannedResponses;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.CannedResponses;

/// <summary>
/// <c>/api/canned-responses</c> through the real app with bearer tokens: anonymous callers get 401, customers and trusted
/// members 403 on every path, someone else's personal response is a 404 like an unknown id, and a manager goes through
/// the whole life of a shared response.
/// </summary>
public sealed class CannedResponsesApiTests(CommunityAppFactory app) : IClassFixture<CommunityAppFactory>
{
    private const string Path = "/api/canned-responses";

    private static string Tag() => "t" + Guid.NewGuid().ToString("N")[..8];

    private static Uri At(string path) => new(path, UriKind.Relative);

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        Assert.Equal(expected, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<T>() ?? throw new InvalidOperationException("Empty body.");
    }

    private async Task<CannedResponseDto> CreateAsync(string account, string shortcut, string body, bool shared)
    {
        using var api = await app.CreateApiClientAsync(account);
        using var response = await api.PostAsJsonAsync(Path, new { shortcut, body, shared });
        return await ReadAsync<CannedResponseDto>(response, HttpStatusCode.Created);
    }

    /// <summary>Every endpoint, as (method, path) for an existing id.</summary>
    private static IEnumerable<Func<HttpClient, Task<HttpResponseMessage>>> EveryEndpoint(int id) =>
    [
        api => api.GetAsync(At(Path)),
        api => api.GetAsync(At(Path + "?q=ref")),
        api => api.PostAsJsonAsync(Path, new { shortcut = "mine", body = "text", shared = false }),
        api => api.PutAsJsonAsync($"{Path}/{id}", new { shortcut = "mine", body = "text", shared = false }),
        api => api.DeleteAsync(At($"{Path}/{id}")),
        api => api.PostAsync(At($"{Path}/{id}/restore"), null),
    ];

    [Fact]
    public async Task EveryEndpoint_Anonymous_Is401ProblemDetails()
    {
        using var anonymous = app.CreateClient();

        foreach (var call in EveryEndpoint(1))
        {
            using var response = await call(anonymous);
            await response.ReadProblemAsync(HttpStatusCode.Unauthorized);
        }
    }

    [Theory]
    [InlineData(Customer)]
    [InlineData(Member)]
    public async Task EveryEndpoint_CustomerOrTrustedMember_Is403WithTheSameAnswerAndChangesNothing(string account)
    {
        var shared = await CreateAsync(Manager, Tag(), "Shared text", shared: true);
        using var api = await app.CreateApiClientAsync(account);

        // An existing id and one that never existed get exactly the same answer.
        foreach (var id in new[] { shared.Id, 999_999 })
        {
            foreach (var call in EveryEndpoint(id))
            {
                using var response = await call(api);
                var problem = await response.ReadProblemAsync(HttpStatusCode.Forbidden);
                Assert.Equal(CannedResponseService.NotForYou, problem.Detail);
            }
        }

        using var manager = await app.CreateApiClientAsync(Manager);
        var all = await manager.GetFromJsonAsync<List<CannedResponseDto>>(Path);
        Assert.Equal(shared, Assert.Single(all!, c => c.Id == shared.Id));
    }

    [Fact]
    public async Task SomeoneElsesPersonal_Agent_Gets404LikeAnUnknownId()
    {
        var personal = await CreateAsync(Manager, Tag(), "Maya's own", shared: false);
        using var agent = await app.CreateApiClientAsync(Agent);

        using var update = await agent.PutAsJsonAsync($"{Path}/{personal.Id}", new { shortcut = personal.Shortcut, body = "mine now", shared = false });
        using var delete = await agent.DeleteAsync(At($"{Path}/{personal.Id}"));
        using var unknown = await agent.DeleteAsync(At($"{Path}/999999"));

        Assert.Equal($"There is no canned response {personal.Id}.", (await update.ReadProblemAsync(HttpStatusCode.NotFound)).Detail);
        Assert.Equal($"There is no canned response {personal.Id}.", (await delete.ReadProblemAsync(HttpStatusCode.NotFound)).Detail);
        Assert.Equal("There is no canned response 999999.", (await unknown.ReadProblemAsync(HttpStatusCode.NotFound)).Detail);
        Assert.DoesNotContain(await agent.GetFromJsonAsync<List<CannedResponseDto>>(Path) ?? [], c => c.Id == personal.Id);
    }

    [Theory]
    [InlineData(Agent)]
    [InlineData(Moderator)]
    public async Task SharedResponse_AgentOrModerator_UsesItButMayNotChangeIt(string account)
    {
        var shared = await CreateAsync(Manager, Tag(), "For the team", shared: true);
        using var api = await app.CreateApiClientAsync(account);

        Assert.Contains(await api.GetFromJsonAsync<List<CannedResponseDto>>($"{Path}?q={shared.Shortcut}") ?? [], c => c.Id == shared.Id);
        using var update = await api.PutAsJsonAsync($"{Path}/{shared.Id}", new { shortcut = shared.Shortcut, body = "changed", shared = true });
        using var create = await api.PostAsJsonAsync(Path, new { shortcut = Tag(), body = "for everyone", shared = true });
        using var delete = await api.DeleteAsync(At($"{Path}/{shared.Id}"));

        foreach (var response in new[] { update, create, delete })
        {
            Assert.Equal(CannedResponseService.SharedOnlyManagers, (await response.ReadProblemAsync(HttpStatusCode.Forbidden)).Detail);
        }

        // Their own personal ones are theirs to keep.
        using var personal = await api.PostAsJsonAsync(Path, new { shortcut = Tag(), body = "just mine", shared = false });
        Assert.True((await ReadAsync<CannedResponseDto>(personal, HttpStatusCode.Created)).Mine);
    }

    [Fact]
    public async Task SharedResponse_Manager_CreatesSearchesUpdatesDeletesAndRestoresIt()
    {
        using var manager = await app.CreateApiClientAsync(Manager);
        var tag = Tag();

        using var created = await manager.PostAsJsonAsync(Path, new { shortcut = "/" + tag, title = "Greeting", body = "Hi {customer.name}!", shared = true });
        var response = await ReadAsync<CannedResponseDto>(created, HttpStatusCode.Created);
        Assert.Equal($"{Path}/{response.Id}", created.Headers.Location?.OriginalString);
        Assert.Equal((tag, "Greeting", "Hi {customer.name}!", true, "Maya Chen", true, true),
            (response.Shortcut, response.Title, response.Body, response.Shared, response.OwnerName, response.Mine, response.CanEdit));

        var found = await manager.GetFromJsonAsync<List<CannedResponseDto>>($"{Path}?q={tag[..5]}");
        Assert.Equal(response.Id, found![0].Id);

        using var updated = await manager.PutAsJsonAsync($"{Path}/{response.Id}", new { shortcut = tag, title = "Greeting", body = "Hello {customer.name}!", shared = true });
        Assert.Equal("Hello {customer.name}!", (await ReadAsync<CannedResponseDto>(updated)).Body);

        using (var deleted = await manager.DeleteAsync(At($"{Path}/{response.Id}")))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        Assert.DoesNotContain(await manager.GetFromJsonAsync<List<CannedResponseDto>>(Path) ?? [], c => c.Id == response.Id);
        using (var again = await manager.DeleteAsync(At($"{Path}/{response.Id}")))
        {
            await again.ReadProblemAsync(HttpStatusCode.NotFound);
        }

        using var restored = await manager.PostAsync(At($"{Path}/{response.Id}/restore"), null);
        Assert.Equal("Hello {customer.name}!", (await ReadAsync<CannedResponseDto>(restored)).Body);
        Assert.Contains(await manager.GetFromJsonAsync<List<CannedResponseDto>>(Path) ?? [], c => c.Id == response.Id);
    }

    [Fact]
    public async Task Create_BadInput_Manager_GetsClearProblemsAndNothingIsStored()
    {
        using var manager = await app.CreateApiClientAsync(Manager);
        var tag = Tag();
        await CreateAsync(Manager, tag, "Taken", shared: true);
        var before = await manager.GetFromJsonAsync<List<CannedResponseDto>>(Path);

        using var empty = await manager.PostAsJsonAsync(Path, new { shortcut = Tag(), body = "  ", shared = true });
        using var tooLong = await manager.PostAsJsonAsync(Path, new { shortcut = Tag(), body = new string('x', 4_001), shared = true });
        using var badShortcut = await manager.PostAsJsonAsync(Path, new { shortcut = "two words", body = "text", shared = true });
        using var taken = await manager.PostAsJsonAsync(Path, new { shortcut = tag, body = "again", shared = true });
        using var notJson = await manager.PostAsync(At(Path), new StringContent("{ nope", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal("A canned response needs some text.", (await empty.ReadProblemAsync(HttpStatusCode.BadRequest)).Detail);
        Assert.Equal("A canned response can be at most 4,000 characters; this one has 4,001.",
            (await tooLong.ReadProblemAsync(HttpStatusCode.RequestEntityTooLarge)).Detail);
        await badShortcut.ReadProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal($"There is already a shared /{tag}: pick another shortcut.", (await taken.ReadProblemAsync(HttpStatusCode.Conflict)).Detail);
        await notJson.ReadProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(before, await manager.GetFromJsonAsync<List<CannedResponseDto>>(Path));
    }

    [Fact]
    public async Task Demo_SeedsThreeSharedResponses()
    {
        using var agent = await app.CreateApiClientAsync(Agent);

        var all = await agent.GetFromJsonAsync<List<CannedResponseDto>>(Path);

        foreach (var shortcut in new[] { "welcome", "refund", "logs" })
        {
            var seeded = Assert.Single(all!, c => c.Shortcut == shortcut);
            Assert.True(seeded.Shared);
        }

        var welcome = await agent.GetFromJsonAsync<List<CannedResponseDto>>($"{Path}?q=/welc");
        Assert.Equal("welcome", welcome![0].Shortcut);
    }
}
