using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using SupportCommunity.Messages;
using SupportCommunity.Rooms;
using SupportCommunity.Web.Messages;

namespace SupportCommunity.Web.Tests.Integration;

/// <summary>The REST calls of design.md §4, for tests.</summary>
public static class ApiClientExtensions
{
    public static async Task<IReadOnlyList<RoomDto>> GetRoomsAsync(this HttpClient client)
    {
        using var response = await client.GetAsync(new Uri("/api/rooms", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<List<RoomDto>>() ?? [];
    }

    public static async Task<long> GetLastSequenceAsync(this HttpClient client, string roomSlug) =>
        Assert.Single(await client.GetRoomsAsync(), r => r.Slug == roomSlug).LastSequence;

    public static async Task<HistoryPage> GetHistoryAsync(this HttpClient client, string roomSlug, long? before = null, int? limit = null)
    {
        using var response = await client.GetAsync(HistoryUri(roomSlug, before, limit));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<HistoryPage>()
            ?? throw new InvalidOperationException("The history page was empty.");
    }

    public static Uri HistoryUri(string roomSlug, long? before = null, int? limit = null)
    {
        var query = new List<string>();
        if (before is { } b)
        {
            query.Add("before=" + b.ToString(CultureInfo.InvariantCulture));
        }

        if (limit is { } l)
        {
            query.Add("limit=" + l.ToString(CultureInfo.InvariantCulture));
        }

        var path = $"/api/rooms/{Uri.EscapeDataString(roomSlug)}/messages";
        return new Uri(query.Count == 0 ? path : path + "?" + string.Join('&', query), UriKind.Relative);
    }

    public static Task<HttpResponseMessage> PostMessageAsync(
        this HttpClient client, string roomSlug, string? body, Guid? clientMessageId = null, long? replyToSequence = null) =>
        client.PostAsJsonAsync(
            HistoryUri(roomSlug), new SendMessageRequest(clientMessageId ?? Guid.NewGuid(), body, replyToSequence));

    /// <summary>Posts and expects 201; returns the stored message.</summary>
    public static async Task<MessageDto> SendAsync(this HttpClient client, string roomSlug, string body, Guid? clientMessageId = null)
    {
        using var response = await client.PostMessageAsync(roomSlug, body, clientMessageId);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<MessageDto>()
            ?? throw new InvalidOperationException("The created message was empty.");
    }

    /// <summary>Checks the status and that the body is RFC 9457 problem details with that status; returns them.</summary>
    public static async Task<ProblemDetails> ReadProblemAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        var problem = JsonSerializer.Deserialize<ProblemDetails>(text, JsonSerializerOptions.Web)
            ?? throw new InvalidOperationException("The problem details were empty.");
        Assert.Equal((int)expected, problem.Status);
        return problem;
    }

    /// <summary>A message as the latest history page (up to 100) shows it now.</summary>
    public static async Task<MessageDto> FindInHistoryAsync(this HttpClient client, string roomSlug, long messageId) =>
        Assert.Single((await client.GetHistoryAsync(roomSlug, limit: 100)).Messages, m => m.Id == messageId);
}
