using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SupportCommunity.Messages;
using SupportCommunity.Web.Api;

namespace SupportCommunity.Web.Messages;

public static class MessagesApi
{
    /// <summary>Far above any valid message; larger bodies are refused before they are read.</summary>
    private const long MaxRequestBytes = 64 * 1024;

    public static WebApplication MapMessagesApi(this WebApplication app)
    {
        var messages = app.MapGroup("/api/rooms/{slug}/messages").RequireAuthorization().WithTags("Messages");
        messages.MapGet("/", GetHistory);
        messages.MapPost("/", Send).WithMetadata(new RequestSizeLimitAttribute(MaxRequestBytes));
        messages.MapGet("/search", Search);
        messages.MapGet("/{sequence:long}/thread", GetThread);
        return app;
    }

    private static async Task<Ok<HistoryPage>> GetHistory(
        string slug, long? before, int? limit, HttpContext context, MessageService messages) =>
        TypedResults.Ok(await messages.GetHistoryAsync(context.Caller(), slug, before, limit, context.RequestAborted));

    private static async Task<Ok<IReadOnlyList<MessageDto>>> Search(string slug, string? q, HttpContext context, MessageService messages) =>
        TypedResults.Ok(await messages.SearchAsync(context.Caller(), slug, q, context.RequestAborted));

    private static async Task<Ok<ThreadView>> GetThread(string slug, long sequence, HttpContext context, MessageService messages) =>
        TypedResults.Ok(await messages.GetThreadAsync(context.Caller(), slug, sequence, context.RequestAborted));

    private static async Task<Created<MessageDto>> Send(
        string slug, SendMessageRequest request, HttpContext context, MessageService messages)
    {
        var message = await messages.SendAsync(
            context.Caller(), slug, request.ClientMessageId, request.Body, request.ReplyToSequence, context.RequestAborted);
        return TypedResults.Created($"/api/rooms/{slug}/messages?before={message.Sequence + 1}&limit=1", message);
    }
}

public sealed record SendMessageRequest(Guid ClientMessageId, string? Body, long? ReplyToSequence);
