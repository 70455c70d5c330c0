using Microsoft.AspNetCore.Http.HttpResults;
using SupportCommunity.Conversations;
using SupportCommunity.Messages;
using SupportCommunity.Web.Api;

namespace SupportCommunity.Web.Conversations;

/// <summary>Private conversations over REST: the same rules as the hub methods of the same names (docs/api.md).</summary>
public static class ConversationsApi
{
    public static WebApplication MapConversationsApi(this WebApplication app)
    {
        var conversations = app.MapGroup("/api/conversations").RequireAuthorization().WithTags("Conversations");
        conversations.MapGet("/", List);
        conversations.MapGet("/{slug}", Get);
        conversations.MapPost("/{slug}/summary", PostSummary);
        conversations.MapPut("/{slug}/summary-opt-out", SetSummaryOptOut);

        app.MapPost("/api/rooms/{slug}/messages/{sequence:long}/reply-privately", ReplyPrivately)
            .RequireAuthorization().WithTags("Conversations");
        return app;
    }

    private static async Task<Ok<IReadOnlyList<ConversationDto>>> List(HttpContext context, ConversationService conversations) =>
        TypedResults.Ok(await conversations.ListAsync(context.Caller(), context.RequestAborted));

    private static async Task<Ok<ConversationDto>> Get(string slug, HttpContext context, ConversationService conversations) =>
        TypedResults.Ok(await conversations.GetAsync(context.Caller(), slug, context.RequestAborted));

    private static async Task<Ok<ConversationDto>> ReplyPrivately(string slug, long sequence, HttpContext context, ConversationService conversations) =>
        TypedResults.Ok(await conversations.OpenAsync(context.Caller(), slug, sequence, context.RequestAborted));

    private static async Task<Ok<MessageDto>> PostSummary(
        string slug, PostSummaryRequest request, HttpContext context, ConversationService conversations) =>
        TypedResults.Ok(await conversations.PostSummaryAsync(context.Caller(), slug, request.ClientMessageId, request.Body, context.RequestAborted));

    private static async Task<Ok<ConversationDto>> SetSummaryOptOut(
        string slug, SummaryOptOutRequest request, HttpContext context, ConversationService conversations) =>
        TypedResults.Ok(await conversations.SetSummaryOptOutAsync(context.Caller(), slug, request.OptOut, context.RequestAborted));
}

public sealed record PostSummaryRequest(Guid ClientMessageId, string? Body);

public sealed record SummaryOptOutRequest(bool OptOut);
