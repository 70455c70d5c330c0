using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using SupportCommunity.Messages;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Messaging;

/// <summary>design.md §5: every bad input gets a clear error, and nothing is stored.</summary>
public sealed class BadInputTests(CommunityAppFactory app) : IClassFixture<CommunityAppFactory>
{
    /// <summary>Bodies with no visible text: empty, whitespace, and only control, bidi or zero-width characters.</summary>
    public static TheoryData<string> BlankBodies => new()
    {
        "",
        "   ",
        " \t\r\n \n ",
        "\u0000\u0007\u001B",
        "\u202E\u202D\u2066\u2069\u200E\u200F",
        "\u200B",
        "\u200B\u200C\u200D\u2060\uFEFF",
        "\u202E\u200B \u0007\u200D\t",
        "\u00AD\u2063 \u2064",
        "\u200B \u200B \u200B",
    };

    [Theory]
    [MemberData(nameof(BlankBodies))]
    public async Task PostMessage_BlankBody_Returns400AndStoresNothing(string body)
    {
        using var api = await app.CreateApiClientAsync(Customer);
        var before = await api.GetHistoryAsync(General, limit: 1);

        using var response = await api.PostMessageAsync(General, body);

        var problem = await response.ReadProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("A message needs some text.", problem.Detail);
        await AssertUnchangedAsync(api, General, before);
    }

    [Theory]
    [MemberData(nameof(BlankBodies))]
    public async Task SendMessage_BlankBody_IsRefusedAndStoresNothing(string body)
    {
        using var api = await app.CreateApiClientAsync(Customer);
        await using var hub = await app.ConnectAsync(Customer);
        var before = await api.GetHistoryAsync(General, limit: 1);

        await HubAssert.RefusedAsync(() => hub.SendAsync(General, body), "A message needs some text.");

        await AssertUnchangedAsync(api, General, before);
    }

    [Theory]
    [MemberData(nameof(BlankBodies))]
    public async Task EditMessage_BlankBody_IsRefusedAndMessageUnchanged(string body)
    {
        using var api = await app.CreateApiClientAsync(Customer);
        await using var hub = await app.ConnectAsync(Customer);
        var sent = await hub.SendAsync(General, "Keep my words.");

        await HubAssert.RefusedAsync(() => hub.EditAsync(sent.Id, body), "A message needs some text.");

        Assert.Equal(sent, await api.FindInHistoryAsync(General, sent.Id));
    }

    [Fact]
    public async Task PostMessage_NullBody_Returns400AndStoresNothing()
    {
        using var api = await app.CreateApiClientAsync(Customer);
        var before = await api.GetHistoryAsync(General, limit: 1);

        using var response = await api.PostMessageAsync(General, body: null);

        Assert.Equal("A message needs some text.", (await response.ReadProblemAsync(HttpStatusCode.BadRequest)).Detail);
        await AssertUnchangedAsync(api, General, before);
    }

    [Fact]
    public async Task PostMessage_BodyOverTheLimit_Returns413AndStoresNothing()
    {
        using var api = await app.CreateApiClientAsync(Customer);
        var before = await api.GetHistoryAsync(General, limit: 1);

        using var response = await api.PostMessageAsync(General, new string('x', 4_001));

        var problem = await response.ReadProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("at most 4,000 characters", problem.Detail, StringComparison.Ordinal);
        await AssertUnchangedAsync(api, General, before);
    }

    [Fact]
    public async Task PostMessage_BodyFarOverTheLimit_Returns413AndStoresNothing()
    {
        using var api = await app.CreateApiClientAsync(Customer);
        var before = await api.GetHistoryAsync(General, limit: 1);

        using var response = await api.PostMessageAsync(General, new string('x', 50_000));

        await response.ReadProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        await AssertUnchangedAsync(api, General, before);
    }

    [Fact]
    public async Task SendMessage_BodyOverTheLimit_IsRefusedWithTheLimitAndStoresNothing()
    {
        using var api = await app.CreateApiClientAsync(Customer);
        await using var hub = await app.ConnectAsync(Customer);
        var before = await api.GetHistoryAsync(General, limit: 1);

        await HubAssert.RefusedAsync(() => hub.SendAsync(General, new string('x', 4_001)), "at most 4,000 characters");

        await AssertUnchangedAsync(api, General, before);
    }

    [Fact]
    public async Task PostMessage_BodyExactlyAtTheLimit_IsStored()
    {
        using var api = await app.CreateApiClientAsync(Customer);

        var stored = await api.SendAsync(General, new string('y', 4_000));

        Assert.Equal(4_000, stored.Body?.Length);
    }

    [Fact]
    public async Task PostMessage_EmptyClientMessageId_Returns400AndStoresNothing()
    {
        using var api = await app.CreateApiClientAsync(Customer);
        var before = await api.GetHistoryAsync(General, limit: 1);

        using var response = await api.PostMessageAsync(General, "Hello", Guid.Empty);

        var problem = await response.ReadProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("clientMessageId", problem.Detail, StringComparison.Ordinal);
        await AssertUnchangedAsync(api, General, before);
    }

    [Fact]
    public async Task SendMessage_EmptyClientMessageId_IsRefusedAndStoresNothing()
    {
        using var api = await app.CreateApiClientAsync(Customer);
        await using var hub = await app.ConnectAsync(Customer);
        var before = await api.GetHistoryAsync(General, limit: 1);

        await HubAssert.RefusedAsync(() => hub.SendAsync(General, "Hello", Guid.Empty), "clientMessageId must be a non-empty GUID.");

        await AssertUnchangedAsync(api, General, before);
    }

    [Fact]
    public async Task PostMessage_UnknownRoom_Returns404()
    {
        using var api = await app.CreateApiClientAsync(Customer);

        using var response = await api.PostMessageAsync("no-such-room", "Hello?");

        var problem = await response.ReadProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains("There is no room", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHistory_UnknownRoom_Returns404()
    {
        using var api = await app.CreateApiClientAsync(Customer);

        using var response = await api.GetAsync(ApiClientExtensions.HistoryUri("no-such-room"));

        await response.ReadProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task SendMessage_UnknownRoom_IsRefused()
    {
        await using var hub = await app.ConnectAsync(Customer);

        await HubAssert.RefusedAsync(() => hub.SendAsync("no-such-room", "Hello?"), "There is no room");
    }

    [Fact]
    public async Task JoinRoom_UnknownRoom_IsRefused()
    {
        await using var hub = await app.ConnectAsync(Customer);

        await HubAssert.RefusedAsync(() => hub.JoinRoomAsync("no-such-room"), "There is no room");
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=101")]
    [InlineData("limit=-5")]
    [InlineData("before=abc")]
    [InlineData("before=0")]
    [InlineData("limit=ten")]
    public async Task GetHistory_BadQuery_Returns400ProblemDetails(string query)
    {
        using var api = await app.CreateApiClientAsync(Customer);

        using var response = await api.GetAsync(new Uri($"/api/rooms/{General}/messages?{query}", UriKind.Relative));

        await response.ReadProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task GetHistory_LimitAtTheMaximum_IsAccepted()
    {
        using var api = await app.CreateApiClientAsync(Customer);

        var page = await api.GetHistoryAsync(General, limit: 100);

        Assert.NotEmpty(page.Messages);
    }

    [Theory]
    [InlineData("{ \"clientMessageId\": ")]
    [InlineData("{ \"clientMessageId\": \"not-a-guid\", \"body\": \"Hi\" }")]
    [InlineData("[1, 2, 3]")]
    [InlineData("null")]
    public async Task PostMessage_MalformedJson_Returns400AndStoresNothing(string json)
    {
        using var api = await app.CreateApiClientAsync(Customer);
        var before = await api.GetHistoryAsync(General, limit: 1);

        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await api.PostAsync(ApiClientExtensions.HistoryUri(General), content);

        await response.ReadProblemAsync(HttpStatusCode.BadRequest);
        await AssertUnchangedAsync(api, General, before);
    }

    public static TheoryData<string, object?[]> WrongArguments => new()
    {
        { "SendMessage", [123, "x", "y"] },
        { "SendMessage", [General, "not-a-guid", "Hello"] },
        { "SendMessage", [General] },
        { "EditMessage", ["abc", "Hello"] },
        { "DeleteMessage", [new { id = 1 }] },
        { "JoinRoom", [General, "zero"] },
    };

    [Theory]
    [MemberData(nameof(WrongArguments))]
    public async Task HubMethod_WrongArgumentTypes_IsRefusedWithoutInternals(string method, object?[] arguments)
    {
        using var api = await app.CreateApiClientAsync(Customer);
        await using var hub = await app.ConnectAsync(Customer);
        var before = await api.GetHistoryAsync(General, limit: 1);

        var refusal = await Assert.ThrowsAsync<HubException>(
            () => hub.Connection.InvokeCoreAsync(method, arguments).WaitAsync(CommunityAppFactory.Timeout));

        Assert.DoesNotContain("   at ", refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception:", refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", refusal.Message, StringComparison.Ordinal);
        await AssertUnchangedAsync(api, General, before);
        // The connection survives a bad call.
        Assert.Equal(General, (await hub.JoinRoomAsync(General)).Room.Slug);
    }

    [Fact]
    public async Task PostMessage_BidiOverrideAndCrlf_StoredWithoutOverrideAndWithLf()
    {
        using var api = await app.CreateApiClientAsync(Customer);

        var stored = await api.SendAsync(General, "Invoice \u202Efdp.exe\r\nsecond line\rthird");

        Assert.Equal("Invoice fdp.exe\nsecond line\nthird", stored.Body);
        Assert.Equal(stored.Body, (await api.FindInHistoryAsync(General, stored.Id)).Body);
    }

    [Fact]
    public async Task SendMessage_BidiOverrideAndCrlf_StoredWithoutOverrideAndWithLf()
    {
        using var api = await app.CreateApiClientAsync(Customer);
        await using var hub = await app.ConnectAsync(Customer);

        var stored = await hub.SendAsync(General, "\u2067Refund\u2069 please\r\nthanks");

        Assert.Equal("Refund please\nthanks", stored.Body);
        Assert.Equal(stored.Body, (await api.FindInHistoryAsync(General, stored.Id)).Body);
    }

    [Fact]
    public async Task SendMessage_NfdText_ComesBackNfc()
    {
        using var api = await app.CreateApiClientAsync(Customer);
        await using var hub = await app.ConnectAsync(Customer);
        const string decomposed = "Cafe\u0301 cre\u0300me bru\u0302le\u0301e";

        var stored = await hub.SendAsync(General, decomposed);

        const string composed = "Caf\u00E9 cr\u00E8me br\u00FBl\u00E9e";
        Assert.Equal(composed, stored.Body);
        Assert.True(stored.Body!.IsNormalized(NormalizationForm.FormC));
        Assert.Equal(composed, (await api.FindInHistoryAsync(General, stored.Id)).Body);
    }

    [Fact]
    public async Task SendMessage_ZeroWidthRun_IsCollapsedToOne()
    {
        await using var hub = await app.ConnectAsync(Customer);

        var stored = await hub.SendAsync(General, "hi\u200B\u200B\u200B\u200Bthere");

        Assert.Equal("hi\u200Bthere", stored.Body);
    }

    /// <summary>Nothing was stored: the room's newest message and its last sequence are as before.</summary>
    private static async Task AssertUnchangedAsync(HttpClient api, string room, HistoryPage before)
    {
        var after = await api.GetHistoryAsync(room, limit: 1);
        Assert.Equal(before.Messages, after.Messages);
        Assert.Equal(before.Messages[^1].Sequence, await api.GetLastSequenceAsync(room));
    }
}
